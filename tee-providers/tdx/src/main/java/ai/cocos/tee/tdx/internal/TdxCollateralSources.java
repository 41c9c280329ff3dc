package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.HttpCollateralFetcher;
import ai.cocos.tee.tdx.TdxSettings;
import java.time.Duration;

/** Builds the collateral source the settings ask for. */
public final class TdxCollateralSources {
  private TdxCollateralSources() {}

  /**
   * The source for these settings: the cache folder, fetching from the PCS on a miss when allowed.
   *
   * @param settings the provider settings
   * @return the source
   */
  public static CollateralSource of(TdxSettings settings) {
    if (settings.collateralCache() == null) {
      return CollateralSource.NONE;
    }
    Duration t = settings.fetchTimeout();
    Collateral collateral =
        new Collateral(
            new CollateralCache(settings.collateralCache()),
            new HttpCollateralFetcher(
                t.compareTo(Duration.ofSeconds(10)) < 0 ? t : Duration.ofSeconds(10), t));
    return new PcsCollateralSource(collateral, settings.pcs(), settings.fetchCollateral());
  }

  /**
   * A source over an existing collateral service (shared cache and fetcher).
   *
   * @param collateral the cache and fetcher
   * @param settings the provider settings (PCS endpoints, whether to fetch)
   * @return the source
   */
  public static CollateralSource of(Collateral collateral, TdxSettings settings) {
    return new PcsCollateralSource(collateral, settings.pcs(), settings.fetchCollateral());
  }
}
