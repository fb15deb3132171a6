import asyncio
import aiomysql

loop = asyncio.get_event_loop()

async def go():
    pool = await aiomysql.create_pool(host='', port=3306,
                                      user='root', password='',
                                      db='mysql', loop=loop, autocommit=False)

    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 10")
            # print(cur.description)
            (r,) = await cur.fetchone()
            assert r == 10
    await pool.wait_closed()


loop.run_until_complete(go())
# ruff: noqa: I001  (the code above is the seed example, kept verbatim)
