"""The provincial electronic health card platform (电子健康卡管理平台): port, client, sandbox."""
