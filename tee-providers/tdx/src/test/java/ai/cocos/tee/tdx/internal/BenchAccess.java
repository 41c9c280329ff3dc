package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.ChainVerifier;

/** Lets the benchmark build a verifier with nothing cached (test code only). */
public final class BenchAccess {
  private BenchAccess() {}

  /**
   * A verifier with empty caches of its own.
   *
   * @return the verifier
   */
  public static TdxVerifier coldVerifier() {
    return new TdxVerifier(Roots.intelSgxRootCa(), CollateralSource.NONE, new ChainVerifier(0));
  }
}
