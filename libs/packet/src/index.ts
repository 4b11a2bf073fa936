/**
 * @neighwatch/packet: ARP/NDP decoding, classification, fingerprints, encoders and
 * pcap/pcapng files. Pure TypeScript, no I/O except the capture-file reader and writer.
 *
 * Hot path (agent capture callback, `neighwatch analyze`):
 *
 *   const decoder = new FrameDecoder();
 *   const fields = newNeighborFields();
 *   for each frame:
 *     const frame = decoder.decode(bytes, linkType);   // reused object, no allocation
 *     if (classifyInto(frame, fields)) {                 // offsets only, no strings
 *       const record = fieldsToRecord(frame, fields);    // text form for JSON / gRPC
 *     }
 *
 * or simply `classifyFrame(decoder.decode(bytes))` → NeighborRecord | null.
 */
export * from './types';
export {
  formatMac,
  formatIPv4,
  formatIPv6,
  formatIp,
  formatLinkAddress,
  parseMac,
  parseIPv4,
  parseIPv6,
  normalizeMac,
  normalizeIp,
  macToInterfaceId,
  interfaceIdToMac,
  eui64MacFromIPv6,
  eui64Address,
  AddressParseError,
} from './addr';
export type { MacInput, IPv4Input, IPv6Input } from './addr';
export {
  writeMacAscii,
  writeIPv4Ascii,
  writeIPv6Ascii,
  writeLinkAddressAscii,
  writeFingerprintAscii,
  MAX_ASCII_MAC,
  MAX_ASCII_IPV4,
  MAX_ASCII_IPV6,
  MAX_ASCII_FINGERPRINT,
} from './ascii';
export { FrameDecoder, decodeFrame, linkTypeFromName } from './decode';
export { icmpv6Checksum } from './icmpv6';
export { classifyFrame, classifyInto, fieldsToRecord, newNeighborFields, NEIGHBOR_CAPTURE_FILTER } from './classify';
export { fingerprintFrame, fingerprintHex } from './fingerprint';
export { describeFrame, hexDump } from './describe';
export {
  encodeLink,
  encodeArp,
  encodeNdp,
  encodeIcmpv6Echo,
  encodeIPv6,
  arpRequest,
  arpReply,
  arpProbe,
  arpAnnouncement,
  solicitedNodeMulticast,
  ipv6MulticastMac,
} from './encode';
export type {
  LinkSpec,
  VlanSpec,
  ArpSpec,
  NdpSpec,
  NdpMessageSpec,
  NdpOptionSpec,
  IPv6Spec,
  ExtensionHeaderSpec,
  EchoSpec,
  LinkOverrides,
} from './encode';
export { readCapture, captureRecords, CaptureFileError } from './capture';
export type { CaptureRecord, CaptureReadOptions, CaptureSummary, CaptureErrorKind } from './capture';
export { PcapWriter, encodePcap } from './pcap';
export type { PcapWriterOptions, PcapFrame } from './pcap';
