"""WeChat Pay APIv3: port, the real aiohttp client, the sandbox, and the protocol they share."""
