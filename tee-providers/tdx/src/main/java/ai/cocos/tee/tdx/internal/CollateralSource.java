package ai.cocos.tee.tdx.internal;

/**
 * Completes the collateral evidence did not carry: from the local cache, an offline bundle, or
 * Intel's PCS. Implementations never overwrite what is already there (attachments take precedence)
 * and record why a missing piece could not be had in {@link TdxCollateral#problems}.
 */
public interface CollateralSource {
  /** A source that has nothing: verification then needs the collateral as attachments. */
  CollateralSource NONE = (c, fmspc, ca, at, offline) -> {};

  /**
   * Fills the missing pieces.
   *
   * @param c the collateral so far
   * @param fmspc the PCK's FMSPC (12 hex digits)
   * @param ca {@code platform} or {@code processor}: which PCK CA issued the PCK
   * @param at the verification time: a cached item already stale then is fetched again (online)
   * @param offline whether the network must not be used
   */
  void complete(TdxCollateral c, byte[] fmspc, String ca, java.time.Instant at, boolean offline);
}
