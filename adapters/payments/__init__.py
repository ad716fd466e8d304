"""Payment platforms (WeChat Pay, the unified public payment platform): port and sandbox."""
