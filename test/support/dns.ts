import dgram from 'node:dgram';

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) answering A queries from a fixed table: the
 * test stand-in for the internet's DNS, so that names can resolve to private addresses on demand.
 * AAAA queries get an empty answer; unknown names NXDOMAIN.
 */
export async function startDnsServer(records: Record<string, string>): Promise<{ address: string; close(): void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! > 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    const type = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    const ip = records[name];
    const answers = ip && type === 1 ? [ip] : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (ip ? 0 : 3), 2); // response, authoritative; NXDOMAIN for unknown names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const body = answers.map((address) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(5, 6); // TTL
      rr.writeUInt16BE(4, 10);
      for (const [i, part] of address.split('.').entries()) rr.writeUInt8(Number(part), 12 + i);
      return rr;
    });
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...body]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}
