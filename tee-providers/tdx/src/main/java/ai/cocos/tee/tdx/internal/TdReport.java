package ai.cocos.tee.tdx.internal;

import java.util.List;

/**
 * The TD quote body: the TD's report as the TDX module produced it (QuoteFormat A.3.2; A.4.2 for
 * TDX 1.5).
 *
 * @param bodyType {@link QuoteFormat#BODY_TYPE_TD10} or {@link QuoteFormat#BODY_TYPE_TD15}
 * @param teeTcbSvn 16 bytes: [0] module ISV SVN, [1] module version (major), [2..] TDX TCB
 *     components
 * @param mrSeam measurement of the TDX module
 * @param mrSignerSeam signer of the TDX module (zero for Intel's)
 * @param seamAttributes TDX module attributes
 * @param tdAttributes TD attributes (bit 0 DEBUG)
 * @param xfam extended features allowed
 * @param mrTd measurement of the initial TD contents (firmware)
 * @param mrConfigId software-defined configuration id
 * @param mrOwner software-defined owner id
 * @param mrOwnerConfig software-defined owner configuration
 * @param rtmrs RTMR0..3
 * @param reportData the 64 bytes the TD bound into the report
 * @param teeTcbSvn2 TDX 1.5 only: TEE_TCB_SVN of the module the TD was launched on; {@code null}
 *     for TDX 1.0 bodies
 * @param mrServiceTd TDX 1.5 only: hash of service TD measurements; {@code null} for TDX 1.0
 */
record TdReport(
    int bodyType,
    byte[] teeTcbSvn,
    byte[] mrSeam,
    byte[] mrSignerSeam,
    byte[] seamAttributes,
    byte[] tdAttributes,
    byte[] xfam,
    byte[] mrTd,
    byte[] mrConfigId,
    byte[] mrOwner,
    byte[] mrOwnerConfig,
    List<byte[]> rtmrs,
    byte[] reportData,
    byte[] teeTcbSvn2,
    byte[] mrServiceTd) {

  /**
   * TD_ATTRIBUTES as the little-endian integer the TDX module defines.
   *
   * @return the attribute bits
   */
  long tdAttributeBits() {
    long v = 0;
    for (int i = QuoteFormat.ATTRIBUTES_SIZE - 1; i >= 0; i--) {
      v = (v << 8) | (tdAttributes[i] & 0xff);
    }
    return v;
  }

  /**
   * Whether the TD runs in debug mode (TD_ATTRIBUTES.DEBUG): its memory and state are open to the
   * host, so nothing it holds is confidential.
   *
   * @return the DEBUG bit
   */
  boolean debug() {
    return (tdAttributeBits() & QuoteFormat.TD_ATTRIBUTES_DEBUG) != 0;
  }
}
