"""The web pages: the staff admin (aiohttp + jinja2, server-rendered), the public
tracking page and the sandbox chat."""
