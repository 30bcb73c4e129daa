/**
 * The outbound policy of the test suites: their engines (webhook receivers, s3rver, Azurite, NATS) listen
 * on 127.0.0.1, which the default policy refuses, so the suites allow loopback explicitly, as an operator
 * would allow an internal service. The security tests use the strict policy instead.
 */
import { OutboundPolicy, parseOutboundAllowList } from "../../src/delivery/outbound-policy.js";

/** The allow-list the suites run with, as AFTERCALL_OUTBOUND_ALLOW would say it. */
export const TEST_OUTBOUND_ALLOW = "127.0.0.0/8,::1,localhost";

/** The policy of in-process test apps and destinations: loopback allowed, everything else as default. */
export const TEST_OUTBOUND = new OutboundPolicy({ allow: parseOutboundAllowList(TEST_OUTBOUND_ALLOW) });
