/**
 * wasi:sockets for a guest that may open no socket: every way to make one (TCP, UDP, a name
 * lookup) answers `access-denied`, a `result` error the guest handles like any refusal. The
 * interfaces exist because a guest may import them without using them: componentize-py's
 * CPython links a wasip2 libc whose socket functions import all of wasi:sockets. The lab's
 * workloads never reach the network (their handler rules), so nothing here is ever granted.
 */
import { WasiError } from './io.js';

/** wasi:sockets/network.network: the one network handle, which grants nothing. */
export class Network {}
/** The socket and stream resources: never created, declared for the glue's `instanceof` checks. */
export class TcpSocket {}
export class UdpSocket {}
export class IncomingDatagramStream {}
export class OutgoingDatagramStream {}
export class ResolveAddressStream {}

/** The error every socket request gets (wasi:sockets/network.error-code). */
export const SOCKET_DENIED = 'access-denied';

function deny(): never {
  throw new WasiError(SOCKET_DENIED);
}

const network = new Network();

/** wasi:sockets/* interfaces, keyed by unversioned interface name. */
export const socketsImports: Record<string, Record<string, unknown>> = {
  'wasi:sockets/network': { Network, networkErrorCode: (): undefined => undefined },
  'wasi:sockets/instance-network': { instanceNetwork: (): Network => network },
  'wasi:sockets/tcp-create-socket': { createTcpSocket: deny },
  'wasi:sockets/udp-create-socket': { createUdpSocket: deny },
  'wasi:sockets/tcp': { TcpSocket },
  'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
  'wasi:sockets/ip-name-lookup': { resolveAddresses: deny, ResolveAddressStream },
};
