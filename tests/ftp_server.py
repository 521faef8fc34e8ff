"""An FTP server on a free loopback port, for feed exports to FTP: one user, one writable directory.

Twisted's own FTP server (Scrapy's dependency) in a subprocess, which prints its port once it listens::

    with FtpServer(directory, "user", "password") as server:
        feed = f"ftp://user:password@127.0.0.1:{server.port}/out.jsonl"
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class FtpServer:
    def __init__(self, directory: Path, user: str, password: str):
        self.arguments = [str(directory), user, password]
        self.process: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> FtpServer:
        self.process = subprocess.Popen([sys.executable, __file__, *self.arguments], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # the port, once it listens; nothing when it failed to start
        if not line:
            raise RuntimeError(f"the FTP server exited with {self.process.wait()}")
        self.port = int(line)
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def serve(directory: str, user: str, password: str) -> None:
    from twisted.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
    from twisted.cred.portal import Portal
    from twisted.internet import reactor
    from twisted.protocols.ftp import BaseFTPRealm, FTPFactory

    class Realm(BaseFTPRealm):
        def getHomeDirectory(self, avatarId):
            return self.anonymousRoot  # the one user's home is the directory served

    checker = InMemoryUsernamePasswordDatabaseDontUse()
    checker.addUser(user, password)
    port = reactor.listenTCP(0, FTPFactory(Portal(Realm(directory), [checker])), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    serve(*sys.argv[1:])
