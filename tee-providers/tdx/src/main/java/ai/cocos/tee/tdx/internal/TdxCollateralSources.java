package ai.cocos.tee.tdx.internal;

import ai.cocos.tee.tdx.TdxSettings;

/** Builds the collateral source the settings ask for. */
public final class TdxCollateralSources {
  private TdxCollateralSources() {}

  /**
   * The source for these settings.
   *
   * @param settings the provider settings
   * @return the source
   */
  public static CollateralSource of(TdxSettings settings) {
    return CollateralSource.NONE;
  }
}
