"""The replay check: archived articles opened through a real pywb in headless Chromium.

pywb runs as a subprocess from its own environment; Chromium is driven by
Playwright (the ``replay`` extra). Neither Scrapy nor the analysis is imported.
"""
