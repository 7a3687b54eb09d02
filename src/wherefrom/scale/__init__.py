"""Past one machine: the build as a map over corpus blocks on Ray Data, a sharded index
served by Ray actors. Ray is the optional extra `wherefrom[ray]`, imported only here."""
