package ai.cocos.attestation.collateral;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/**
 * Where providers get collateral: the cache first, the vendor service only on a miss and only when
 * the verification is not offline. Concurrent requests for the same missing URL share one fetch.
 *
 * <p>"Usable" lets a caller refuse a cached item that is out of date (a CRL past its next update):
 * online, such an item is fetched again; offline, it is returned as it is and the provider's
 * verification reports precisely why it is not good enough.
 *
 * <p>Thread-safe.
 */
public final class Collateral {
  private final CollateralCache cache;
  private final CollateralFetcher fetcher;
  private final ConcurrentHashMap<URI, CompletableFuture<CollateralItem>> inFlight =
      new ConcurrentHashMap<>();

  /**
   * Collateral from a cache, fetched with a fetcher on a miss.
   *
   * @param cache the cache
   * @param fetcher the fetcher
   */
  public Collateral(CollateralCache cache, CollateralFetcher fetcher) {
    this.cache = Objects.requireNonNull(cache, "cache");
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
  }

  /**
   * Collateral in the default cache folder, fetched over HTTPS.
   *
   * @return the instance
   */
  public static Collateral defaults() {
    return new Collateral(
        new CollateralCache(CollateralCache.defaultLocation()), new HttpCollateralFetcher());
  }

  /**
   * Collateral from a folder only, never fetched (for fully offline verification from a bundle).
   *
   * @param dir the folder
   * @return the instance
   */
  public static Collateral offline(Path dir) {
    return new Collateral(
        new CollateralCache(dir),
        url -> {
          throw new CollateralException(
              "not fetching " + url + ": this collateral source is offline");
        });
  }

  /**
   * The cache.
   *
   * @return the cache behind this source
   */
  public CollateralCache cache() {
    return cache;
  }

  /**
   * Gets an item that any cached copy satisfies (a VCEK for a given TCB never changes).
   *
   * @param url the item's URL
   * @param offline whether fetching is forbidden
   * @return the item
   * @throws CollateralException if missing offline, or the fetch failed
   */
  public CollateralItem get(URI url, boolean offline) throws CollateralException {
    return get(url, offline, i -> true);
  }

  /**
   * Gets an item.
   *
   * @param url the item's URL
   * @param offline whether fetching is forbidden
   * @param usable whether a cached copy is still good enough (else it is fetched again when online)
   * @return the item (offline, possibly a cached copy that is not usable)
   * @throws CollateralException if missing offline, or the fetch failed
   */
  public CollateralItem get(URI url, boolean offline, Predicate<CollateralItem> usable)
      throws CollateralException {
    Optional<CollateralItem> cached = cache.get(url);
    if (cached.isPresent() && (offline || usable.test(cached.get()))) {
      return cached.get();
    }
    if (offline) {
      throw new CollateralException(
          url
              + " is not in the collateral cache "
              + cache.dir()
              + " and verification is"
              + " offline: import a collateral bundle saved on a connected machine, attach it to"
              + " the evidence, or verify online");
    }
    CompletableFuture<CollateralItem> mine = new CompletableFuture<>();
    CompletableFuture<CollateralItem> running = inFlight.putIfAbsent(url, mine);
    if (running != null) {
      try {
        return running.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CollateralException("interrupted while waiting for " + url, e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof CollateralException c) {
          throw c;
        }
        throw new CollateralException("fetching " + url + " failed: " + e.getCause(), e);
      }
    }
    try {
      CollateralItem item = fetcher.fetch(url);
      cache.put(item);
      mine.complete(item);
      return item;
    } catch (CollateralException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(url, mine);
    }
  }
}
