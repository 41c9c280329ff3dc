package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.CollateralException;
import ai.cocos.attestation.collateral.CollateralFetcher;
import ai.cocos.attestation.collateral.CollateralItem;
import ai.cocos.attestation.collateral.HttpCollateralFetcher;
import ai.cocos.tee.tdx.TdxSettings;
import java.net.URI;
import java.time.Duration;

/** Builds the collateral source the settings ask for. */
public final class TdxCollateralSources {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

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
    Duration connect = t.compareTo(CONNECT_TIMEOUT) < 0 ? t : CONNECT_TIMEOUT;
    // The HTTP client starts threads: build it on the first cache miss, not when the provider is
    // constructed (offline verification and the CLI's start-up never need it).
    CollateralFetcher lazy =
        new CollateralFetcher() {
          private volatile HttpCollateralFetcher http;

          @Override
          public CollateralItem fetch(URI url) throws CollateralException {
            HttpCollateralFetcher h = http;
            if (h == null) {
              synchronized (this) {
                if (http == null) {
                  http = new HttpCollateralFetcher(connect, t);
                }
                h = http;
              }
            }
            return h.fetch(url);
          }
        };
    Collateral collateral = new Collateral(new CollateralCache(settings.collateralCache()), lazy);
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
