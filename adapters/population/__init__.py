"""The population register (人口库 / 户籍): who a child's guardians are. Port, client, sandbox."""
