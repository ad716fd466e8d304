"""WeChat mini-program platform: login (code2Session), phone numbers, subscribe messages."""
