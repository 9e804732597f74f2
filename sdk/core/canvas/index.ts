export { Chord, chord } from './chord.js';
export { Group, GroupResult, group, type ResultsOf } from './group.js';
export { Canvas, Chain, Signature, chain, type AnyCanvas, type SignatureOptions } from './signature.js';
export { decodeSignatureData, type SignatureData, type TaskFailure } from './signature-data.js';
export { chainNodes, sendSignatureData } from './send.js';
