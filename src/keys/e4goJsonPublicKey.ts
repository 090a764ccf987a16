/**
 * The public-key material of the Go client's persisted state: struct{PrivateKey, SignerID,
 * C2PubKey, PubKeys}, checked in the order of Go's pubKeyMaterial.validate(). The X25519 check
 * that `keys.FromRawJSON` also makes (through the shared key it recomputes) belongs to the
 * public-key client, which derives that key.
 *
 * Written in the ES5-safe subset because it shares e4goJsonState.ts with the embedded build.
 */
import { ED25519_PRIVATE_KEY_LEN, ED25519_PUBLIC_KEY_LEN, ID_LEN, X25519_KEY_LEN } from '../protocol/sizes.ts';
import { toBase64 } from '../utils.ts';
import { checkBytes, checkTable, fieldIndex, readBytes, readTable, writeTable, type KeyMaterialCodec } from './e4goJsonState.ts';
import { stateError } from './e4goJsonSyntax.ts';
import type { ByteTable, PublicKeyMaterial } from './state.ts';

/** The struct's fields in the order e4go writes them; the first three are []byte. */
const FIELDS = ['PrivateKey', 'SignerID', 'C2PubKey', 'PubKeys'];

export const publicKeyCodec: KeyMaterialCodec<PublicKeyMaterial> = {
  check: function (k) {
    checkBytes(k.signerId, 'Key.keyData.SignerID', ID_LEN, false);
    checkBytes(k.privateKey, 'Key.keyData.PrivateKey', ED25519_PRIVATE_KEY_LEN, true);
    checkBytes(k.c2PublicKey, 'Key.keyData.C2PubKey', X25519_KEY_LEN, true);
    if (k.pubKeys !== null) checkTable(k.pubKeys, 'Key.keyData.PubKeys', ED25519_PUBLIC_KEY_LEN);
  },
  writeKeyData: function (k) {
    // A nil PubKeys map is written null.
    return (
      '{"PrivateKey":"' + toBase64(k.privateKey) + '","SignerID":"' + toBase64(k.signerId) +
      '","C2PubKey":"' + toBase64(k.c2PublicKey) + '","PubKeys":' + (k.pubKeys === null ? 'null' : writeTable(k.pubKeys)) + '}'
    );
  },
  readKeyData: function (data) {
    const bytes: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
    let pubKeys: ByteTable | null = null;
    for (let i = 0; i < data.names.length; i++) {
      const field = fieldIndex(data.names[i], FIELDS);
      if (field < 0) continue;
      const member = data.items[i];
      const where = 'Key.keyData.' + FIELDS[field];
      if (field < 3) bytes[field] = readBytes(member, where);
      else if (member.kind === 'null') pubKeys = null;
      else if (member.kind === 'object') {
        // encoding/json decodes a repeated map field into the map it already holds: the entries merge.
        if (pubKeys === null) pubKeys = {};
        readTable(member, where, pubKeys);
      } else throw stateError('"' + where + '" is a ' + member.kind + ', not an object');
    }
    return { keyType: 1, privateKey: bytes[0], signerId: bytes[1], c2PublicKey: bytes[2], pubKeys: pubKeys };
  },
};
