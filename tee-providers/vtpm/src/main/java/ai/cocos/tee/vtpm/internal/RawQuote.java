package ai.cocos.tee.vtpm.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One quote as shipped, before verification: the TPMS_ATTEST bytes, the signature bytes, and the
 * PCR values claimed for it.
 *
 * @param attest the TPMS_ATTEST, byte for byte as signed
 * @param signature a TPMT_SIGNATURE, or (if {@code bareRsassa}) a bare RSASSA-PKCS1-v1_5/SHA-256
 *     signature as Azure's tooling ships it
 * @param bareRsassa whether {@code signature} is bare
 * @param pcrs the PCR values, by bank (TPM_ALG_ID) and index
 */
public record RawQuote(
    byte[] attest, byte[] signature, boolean bareRsassa, Map<Integer, Map<Integer, byte[]>> pcrs) {
  /** Copies. */
  public RawQuote {
    attest = attest.clone();
    signature = signature.clone();
    // Map.copyOf returns immutable maps as they are: cached PCR documents are not copied again.
    Map<Integer, Map<Integer, byte[]>> copy = new LinkedHashMap<>();
    pcrs.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
    pcrs = Map.copyOf(copy);
  }

  @Override
  public byte[] attest() {
    return attest.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }
}
