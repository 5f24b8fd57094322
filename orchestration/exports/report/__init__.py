"""The finance report of a closed period: one self-contained HTML file with inline SVG charts."""
