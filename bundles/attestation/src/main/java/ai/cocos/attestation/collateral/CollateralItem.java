package ai.cocos.attestation.collateral;

import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One piece of collateral as a vendor service returned it: a certificate, a chain, a CRL, a TCB
 * info document. Collateral is never trusted because of where it came from: the provider verifies
 * its signatures to a pinned root like any other input.
 *
 * @param url the URL it was (or would be) fetched from; also its cache key
 * @param body the response body, byte for byte
 * @param headers response headers that carry collateral (names in lower case), e.g. Intel's {@code
 *     tcb-info-issuer-chain}
 * @param fetched when it was fetched (or imported)
 */
public record CollateralItem(URI url, byte[] body, Map<String, String> headers, Instant fetched) {
  /** Validates and copies. */
  public CollateralItem {
    Objects.requireNonNull(url, "url");
    body = Objects.requireNonNull(body, "body").clone();
    TreeMap<String, String> h = new TreeMap<>();
    Objects.requireNonNull(headers, "headers")
        .forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
    headers = Map.copyOf(h);
    Objects.requireNonNull(fetched, "fetched");
  }

  /**
   * The body.
   *
   * @return a copy of the body
   */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /**
   * A header value.
   *
   * @param name the header name, any case
   * @return its value, if the response had it
   */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }
}
