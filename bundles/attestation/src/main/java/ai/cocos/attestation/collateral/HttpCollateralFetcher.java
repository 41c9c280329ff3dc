package ai.cocos.attestation.collateral;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Fetches collateral over HTTP(S) with the JDK's client: GET, no cookies, no redirects to other
 * hosts, a connect and a whole-request timeout, and a size limit on the body. Only status 200 is
 * success; 429 (AMD KDS rate limit) names the wait the server asked for, so that the user retries
 * later instead of hammering the service. Keeps the response headers that carry collateral (Intel's
 * {@code *-Issuer-Chain}, {@code SGX-*}, {@code TCB-*}) and the content type.
 *
 * <p>Thread-safe; one instance can serve every provider.
 */
public final class HttpCollateralFetcher implements CollateralFetcher {
  /** The largest body accepted: 4 MiB (a TCB info document or CRL is a few KiB). */
  public static final int MAX_BODY = 4 * 1024 * 1024;

  private final Duration connectTimeout;
  private final Duration timeout;
  private final Clock clock;
  // Created on the first fetch: building an HttpClient starts threads and loads TLS, which a
  // verification served from the cache never needs.
  private volatile HttpClient client;

  /** A fetcher with a 10 s connect timeout and a 30 s request timeout. */
  public HttpCollateralFetcher() {
    this(Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  /**
   * A fetcher with explicit timeouts.
   *
   * @param connectTimeout the TCP/TLS connect timeout
   * @param requestTimeout the timeout of each whole request
   */
  public HttpCollateralFetcher(Duration connectTimeout, Duration requestTimeout) {
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    this.timeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.clock = Clock.systemUTC();
  }

  @Override
  public CollateralItem fetch(URI url) throws CollateralException {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new CollateralException(
          "cannot fetch " + url + ": only http and https URLs are fetched");
    }
    HttpRequest req =
        HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "*/*").GET().build();
    HttpResponse<InputStream> resp;
    try {
      resp = client().send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new CollateralException(
          "fetching "
              + url
              + " timed out after "
              + timeout.toSeconds()
              + " s; retry, or verify offline with an imported collateral bundle",
          e);
    } catch (IOException e) {
      throw new CollateralException(
          "cannot fetch "
              + url
              + ": "
              + e.getMessage()
              + "; verify offline with an imported collateral bundle if this machine has no network",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CollateralException("fetching " + url + " was interrupted", e);
    }
    try (InputStream in = resp.body()) {
      int status = resp.statusCode();
      if (status != 200) {
        String retry = resp.headers().firstValue("Retry-After").orElse(null);
        String why =
            switch (status) {
              case 404 -> "not found (HTTP 404): the service has no such item";
              case 429 ->
                  "rate-limited by the service (HTTP 429)"
                      + (retry == null ? "" : ", retry after " + retry + " s")
                      + "; cached collateral is never fetched again, so this happens only on a miss";
              default -> "HTTP " + status;
            };
        throw new CollateralException("cannot fetch " + url + ": " + why);
      }
      byte[] body = in.readNBytes(MAX_BODY + 1);
      if (body.length > MAX_BODY) {
        throw new CollateralException(
            "cannot fetch " + url + ": response larger than " + MAX_BODY + " bytes");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> h : resp.headers().map().entrySet()) {
        String n = h.getKey().toLowerCase(Locale.ROOT);
        if (!h.getValue().isEmpty()
            && (n.equals("content-type")
                || n.contains("issuer-chain")
                || n.startsWith("sgx-")
                || n.startsWith("tcb-"))) {
          headers.put(n, h.getValue().get(0));
        }
      }
      return new CollateralItem(url, body, headers, clock.instant());
    } catch (IOException e) {
      throw new CollateralException(
          "cannot read the response of " + url + ": " + e.getMessage(), e);
    }
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          c =
              HttpClient.newBuilder()
                  .connectTimeout(connectTimeout)
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .build();
          client = c;
        }
      }
    }
    return c;
  }
}
