import { describe, expect, it } from 'vitest';
import { openLoopbackListener } from '../../src/drivers/loopback.js';
import { portIsClosed } from '../helpers/flows.js';

describe('loopback listener (RFC 8252 section 7.3)', () => {
  it('binds 127.0.0.1 on an ephemeral port, not localhost or 0.0.0.0', async () => {
    const listener = await openLoopbackListener();
    expect(listener.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(listener.port).toBeGreaterThan(1023);
    await listener.close();
  });

  it('answers other paths with 404 and keeps waiting; the first request on the path ends it', async () => {
    const listener = await openLoopbackListener();
    expect((await fetch(`http://127.0.0.1:${listener.port}/favicon.ico`)).status).toBe(404);
    const answer = fetch(`${listener.redirectUrl}?code=x`);
    const request = await listener.request;
    expect(request.url).toBe(`${listener.redirectUrl}?code=x`);
    request.respond(200, '<p>done</p>');
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toBe('<p>done</p>');
    await listener.close();
    expect(await portIsClosed(listener.port)).toBe(true);
  });

  it('closes on demand and rejects a pending wait with cancelled', async () => {
    const listener = await openLoopbackListener();
    const pending = listener.request;
    await listener.close();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(await portIsClosed(listener.port)).toBe(true);
  });
});
