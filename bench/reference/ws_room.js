// Reference server for chat-bench: one broadcast room on the `ws` package (the stack chatd's seed
// planned to use). Every text frame a client sends goes to every open client, sender included.
// Usage: node ws_room.js PORT
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 8090);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients)
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
  });
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`ws room listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
