"""A crawler on asyncio for Scripts/bench-crawl.sh: CONCURRENCY tasks fetch every URL of
URLS_FILE through one aiohttp session whose connector keeps up to CONCURRENCY connections,
at most PER_HOST (default CONCURRENCY) to a host. Prints the wall time in seconds.

    python crawl_aiohttp.py CONCURRENCY URLS_FILE [PER_HOST]
"""
import asyncio
import sys
import time

import aiohttp


async def crawl(concurrency, urls, per_host):
    queue = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    failed = 0

    async def worker(session):
        nonlocal failed
        while not queue.empty():
            url = queue.get_nowait()
            try:
                async with session.get(url) as response:
                    body = await response.read()
                    if response.status != 200 or not body:
                        failed += 1
            except aiohttp.ClientError:
                failed += 1

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.monotonic() - start
    if failed:
        sys.exit(f"crawl_aiohttp: {failed} of {len(urls)} URLs failed")
    print("%.4f" % elapsed)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("use: crawl_aiohttp.py CONCURRENCY URLS_FILE [PER_HOST]")
    concurrency = int(sys.argv[1])
    per_host = int(sys.argv[3]) if len(sys.argv) == 4 else concurrency
    asyncio.run(crawl(concurrency, [line.strip() for line in open(sys.argv[2]) if line.strip()], per_host))
