"""The unified public payment platform (统一公共支付平台, 非税支付): port, client, sandbox."""
