package ai.cocos.attestation.collateral;

import java.net.URI;

/**
 * Fetches collateral from a vendor service. {@link HttpCollateralFetcher} is the real one; tests
 * and air-gapped set-ups may give another.
 */
@FunctionalInterface
public interface CollateralFetcher {
  /**
   * Fetches one item.
   *
   * @param url what to fetch
   * @return the item
   * @throws CollateralException naming the URL and why it failed (status, rate limit, timeout)
   */
  CollateralItem fetch(URI url) throws CollateralException;
}
