package ai.cocos.tee.vtpm.internal;

import java.util.List;

/**
 * A TPMS_ATTEST produced by TPM2_Quote, parsed (TPM 2.0 Library Part 2 rev 1.53 Table 2:128
 * "Definition of TPMS_ATTEST Structure", with TPMS_CLOCK_INFO Table 2:116 and TPMS_QUOTE_INFO Table
 * 2:120 for the {@code attested} union when {@code type} is TPM_ST_ATTEST_QUOTE).
 *
 * <p>Layout (big-endian, variable offsets because of the TPM2B fields):
 *
 * <pre>
 * UINT32 magic                     TPM_GENERATED_VALUE 0xff544347 (Table 2:7)
 * UINT16 type                      TPM_ST_ATTEST_QUOTE 0x8018 (Table 2:19)
 * TPM2B_NAME qualifiedSigner
 * TPM2B_DATA extraData             the caller's nonce (qualifyingData)
 * TPMS_CLOCK_INFO clockInfo        UINT64 clock, UINT32 resetCount, UINT32 restartCount, BYTE safe
 * UINT64 firmwareVersion
 * TPMS_QUOTE_INFO attested         TPML_PCR_SELECTION pcrSelect, TPM2B_DIGEST pcrDigest
 * </pre>
 *
 * @param magic the magic value, which must be {@link #TPM_GENERATED_VALUE}
 * @param type the attestation type, which must be {@link #TPM_ST_ATTEST_QUOTE}
 * @param qualifiedSigner the signing key's qualified name
 * @param extraData the nonce the quote was asked for
 * @param clock the TPM's clock in milliseconds
 * @param resetCount TPM resets since the last TPM2_Clear
 * @param restartCount restarts since the last reset
 * @param safe whether the clock value is safe
 * @param firmwareVersion vendor firmware version
 * @param pcrSelect the quoted PCRs, per bank
 * @param pcrDigest the digest of the quoted PCR values
 */
public record TpmsAttest(
    long magic,
    int type,
    byte[] qualifiedSigner,
    byte[] extraData,
    long clock,
    long resetCount,
    long restartCount,
    boolean safe,
    long firmwareVersion,
    List<PcrSelection> pcrSelect,
    byte[] pcrDigest) {

  /** TPM_GENERATED_VALUE (Part 2 Table 2:7): marks data the TPM itself generated. */
  public static final long TPM_GENERATED_VALUE = 0xff544347L;

  /** TPM_ST_ATTEST_QUOTE (Part 2 Table 2:19). */
  public static final int TPM_ST_ATTEST_QUOTE = 0x8018;

  /** TPM2B_DATA holds at most sizeof(TPMT_HA) = 2 + 64 bytes. */
  static final int MAX_EXTRA_DATA = 66;

  /** TPM2B_NAME holds at most sizeof(TPMU_NAME) = 2 + 64 bytes (or a 4-byte handle). */
  static final int MAX_NAME = 66;

  /** Copies. */
  public TpmsAttest {
    qualifiedSigner = qualifiedSigner.clone();
    extraData = extraData.clone();
    pcrSelect = List.copyOf(pcrSelect);
    pcrDigest = pcrDigest.clone();
  }

  /**
   * Parses a TPMS_ATTEST of a quote. The magic and type are returned as found (the verifier reports
   * them as findings); anything structurally broken, including trailing bytes, throws.
   *
   * @param bytes the structure, exactly
   * @return the parsed record
   * @throws MalformedException naming the field that does not fit
   */
  public static TpmsAttest parse(byte[] bytes) throws MalformedException {
    Cursor in = new Cursor(bytes, "TPMS_ATTEST");
    long magic = in.u32("magic");
    int type = in.u16("type");
    if (type != TPM_ST_ATTEST_QUOTE) {
      // Only the quote's union member is understood; anything else is not a quote.
      throw new MalformedException(
          String.format(
              "TPMS_ATTEST: type is 0x%04x, a quote (TPM_ST_ATTEST_QUOTE 0x8018) was expected",
              type));
    }
    byte[] signer = in.tpm2b("qualifiedSigner");
    if (signer.length > MAX_NAME) {
      throw new MalformedException("TPMS_ATTEST: qualifiedSigner is " + signer.length + " bytes");
    }
    byte[] extra = in.tpm2b("extraData");
    if (extra.length > MAX_EXTRA_DATA) {
      throw new MalformedException(
          "TPMS_ATTEST: extraData is " + extra.length + " bytes, at most 66 allowed");
    }
    long clock = in.u64("clockInfo.clock");
    long reset = in.u32("clockInfo.resetCount");
    long restart = in.u32("clockInfo.restartCount");
    int safe = in.u8("clockInfo.safe");
    if (safe > 1) {
      throw new MalformedException("TPMS_ATTEST: clockInfo.safe is " + safe + ", not YES/NO");
    }
    long fw = in.u64("firmwareVersion");
    List<PcrSelection> sel = PcrSelection.readList(in);
    byte[] digest = in.tpm2b("attested.quote.pcrDigest");
    in.expectEnd();
    return new TpmsAttest(
        magic, type, signer, extra, clock, reset, restart, safe == 1, fw, sel, digest);
  }

  @Override
  public byte[] qualifiedSigner() {
    return qualifiedSigner.clone();
  }

  @Override
  public byte[] extraData() {
    return extraData.clone();
  }

  @Override
  public byte[] pcrDigest() {
    return pcrDigest.clone();
  }
}
