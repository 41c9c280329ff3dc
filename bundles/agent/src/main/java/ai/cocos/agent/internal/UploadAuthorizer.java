package ai.cocos.agent.internal;

import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AuthorizationException;
import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.agent.Role;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Signatures;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks request signatures against one computation's manifest, as {@code
 * docs/upload-authorization.md} (v1) specifies, in this order, failing closed:
 *
 * <ol>
 *   <li>exactly one {@value AuthzHeaders#SIGNATURE}; {@value AuthzHeaders#AUTHZ}{@code : v1}
 *       present, or else (legacy mode only, logged as a warning) CocosAI's static role-string
 *       signature;
 *   <li>the timestamp within ± the skew of the agent's clock;
 *   <li>the nonce not seen within the window;
 *   <li>the signature verifies with the key the manifest names for the operation's role (for {@code
 *       data:<filename>}, that dataset's key; for {@code result}, any consumer's key). A valid
 *       signature by another key of the computation is refused by name ({@code signed by a key that
 *       is not the <role> key of this computation});
 *   <li>only then is the nonce recorded, so unverified requests cannot fill the cache.
 * </ol>
 *
 * <p>In legacy mode a data upload's role signature must still be by the named dataset's key
 * (CocosAI accepts any data provider's key for any dataset).
 */
final class UploadAuthorizer {
  private static final System.Logger LOG = System.getLogger(UploadAuthorizer.class.getName());
  private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,17}");

  /**
   * A verified request.
   *
   * @param operation what it may do
   * @param index the manifest index of the signer's entry (dataset or consumer; 0 for the
   *     algorithm)
   * @param key the signer's key
   * @param legacy whether a static role signature was accepted
   */
  record Grant(Operation operation, int index, PublicKeyPem key, boolean legacy) {}

  /** A key the manifest names, with what it is for. */
  private record Party(Role role, int index, String description, PublicKeyPem pem, PublicKey key) {}

  private final Manifest manifest;
  private final Sha3Hash digest;
  private final Duration skew;
  private final boolean legacy;
  private final Clock clock;
  private final NonceCache nonces;
  private final Party algorithm;
  private final List<Party> datasets = new ArrayList<>();
  private final List<Party> consumers = new ArrayList<>();

  /**
   * Prepares the keys of a manifest.
   *
   * @param manifest the manifest
   * @param digest its digest, as signed messages name it
   * @param skew the accepted clock difference
   * @param legacy whether static role signatures are accepted
   * @param maxNonces the replay cache's capacity
   * @param clock the agent's clock
   * @throws AgentException {@link Kind#REJECTED} if a key of the manifest cannot be used
   */
  UploadAuthorizer(
      Manifest manifest, Sha3Hash digest, Duration skew, boolean legacy, int maxNonces, Clock clock)
      throws AgentException {
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.digest = Objects.requireNonNull(digest, "digest");
    this.skew = Objects.requireNonNull(skew, "skew");
    this.legacy = legacy;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nonces = new NonceCache(maxNonces, skew.toSeconds());
    this.algorithm =
        party(
            Role.ALGORITHM_PROVIDER,
            0,
            "the algorithm-provider key",
            manifest.algorithm().userKey());
    for (int i = 0; i < manifest.datasets().size(); i++) {
      DatasetSpec d = manifest.datasets().get(i);
      datasets.add(
          party(
              Role.DATA_PROVIDER,
              i,
              "the data-provider key of dataset '" + d.filename() + "'",
              d.userKey()));
    }
    for (int i = 0; i < manifest.resultConsumers().size(); i++) {
      consumers.add(
          party(
              Role.CONSUMER,
              i,
              "the key of result consumer " + i,
              manifest.resultConsumers().get(i).userKey()));
    }
  }

  private static Party party(Role role, int index, String description, PublicKeyPem pem)
      throws AgentException {
    try {
      return new Party(role, index, description, pem, PemKeys.parsePublicKey(pem.der()));
    } catch (KeyFormatException e) {
      throw new AgentException(
          Kind.REJECTED, "manifest: " + description + " cannot be used: " + e.getMessage(), e);
    }
  }

  /**
   * Whether legacy signatures are accepted.
   *
   * @return the mode
   */
  boolean legacy() {
    return legacy;
  }

  /**
   * Checks a request's signature for an operation.
   *
   * @param operation what the request wants to do
   * @param metadata the request's metadata, lower-case keys, values in order
   * @return the grant
   * @throws AuthorizationException naming why it was refused
   * @throws AgentException {@link Kind#UNDECLARED} for a dataset the manifest does not declare
   *     (told only to a signer holding a key of this computation), {@link Kind#OVERLOADED} when the
   *     replay cache is full
   */
  Grant authorize(Operation operation, Map<String, List<String>> metadata) throws AgentException {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(metadata, "metadata");
    List<String> signatures = metadata.getOrDefault(AuthzHeaders.SIGNATURE, List.of());
    if (signatures.isEmpty()) {
      throw AuthorizationException.unauthenticated("request has no signature");
    }
    if (signatures.size() > 1) {
      throw AuthorizationException.unauthenticated(
          "request has " + signatures.size() + " signature values, expected exactly one");
    }
    Optional<String> version = single(metadata, AuthzHeaders.AUTHZ);
    if (version.isEmpty()) {
      if (!legacy) {
        throw AuthorizationException.unauthenticated(
            "request has no "
                + AuthzHeaders.AUTHZ
                + " header: this agent accepts only v1 signed requests ("
                + AuthzHeaders.AUTHZ
                + ": v1 with "
                + AuthzHeaders.TIMESTAMP
                + " and "
                + AuthzHeaders.NONCE
                + "), not CocosAI's static role signatures (legacy mode is off)");
      }
      return authorizeLegacy(operation, decode(signatures.get(0)));
    }
    if (!version.get().equals(AuthzHeaders.VERSION)) {
      throw AuthorizationException.unauthenticated(
          "unsupported "
              + AuthzHeaders.AUTHZ
              + " version "
              + Texts.quote(version.get())
              + ": this agent speaks "
              + AuthzHeaders.VERSION);
    }
    String timestamp =
        single(metadata, AuthzHeaders.TIMESTAMP)
            .orElseThrow(
                () ->
                    AuthorizationException.unauthenticated(
                        "request has no " + AuthzHeaders.TIMESTAMP));
    if (!DECIMAL.matcher(timestamp).matches()) {
      throw AuthorizationException.unauthenticated(
          AuthzHeaders.TIMESTAMP
              + " "
              + Texts.quote(timestamp)
              + " is not Unix seconds in decimal (no sign, no leading zeros)");
    }
    String nonce =
        single(metadata, AuthzHeaders.NONCE)
            .orElseThrow(
                () ->
                    AuthorizationException.unauthenticated("request has no " + AuthzHeaders.NONCE));
    if (!AuthzHeaders.isNonce(nonce)) {
      throw AuthorizationException.unauthenticated(
          AuthzHeaders.NONCE
              + " must be "
              + AuthzHeaders.NONCE_HEX_DIGITS
              + " lower-case hex digits, found "
              + Texts.quote(nonce));
    }
    byte[] signature = decode(signatures.get(0));

    long signedAt = Long.parseLong(timestamp);
    long now = clock.instant().getEpochSecond();
    long allowed = skew.toSeconds();
    if (now - signedAt > allowed) {
      throw AuthorizationException.unauthenticated(
          "signature timestamp is "
              + (now - signedAt)
              + " s in the past (allowed skew "
              + allowed
              + " s)");
    }
    if (signedAt - now > allowed) {
      throw AuthorizationException.unauthenticated(
          "signature timestamp is "
              + (signedAt - now)
              + " s in the future (allowed skew "
              + allowed
              + " s; check the client's clock)");
    }
    if (nonces.seen(nonce, now)) {
      throw AuthorizationException.unauthenticated("signature was already used (replay)");
    }

    byte[] message = AuthzHeaders.message(manifest.id(), digest, operation, timestamp, nonce);
    Party signer = verify(operation, message, signature);
    switch (nonces.record(nonce, signedAt, now)) {
      case REPLAY ->
          throw AuthorizationException.unauthenticated("signature was already used (replay)");
      case FULL ->
          throw new AgentException(
              Kind.OVERLOADED,
              "too many signed requests within the last "
                  + 2 * allowed
                  + " s (the replay cache is full); retry in a few seconds");
      case RECORDED -> {
        // accepted
      }
    }
    return checkRole(operation, signer, false);
  }

  private Grant authorizeLegacy(Operation operation, byte[] signature) throws AgentException {
    byte[] message = operation.role().wire().getBytes(StandardCharsets.US_ASCII);
    Party signer = verify(operation, message, signature);
    Grant grant = checkRole(operation, signer, true);
    LOG.log(
        Level.WARNING,
        "computation "
            + manifest.id()
            + ": accepted a legacy (replayable, unbound) "
            + operation.role()
            + " signature for "
            + operation
            + " by key "
            + signer.pem.fingerprint()
            + "; clients should send v1 signed requests");
    return grant;
  }

  /**
   * Finds the party whose key verifies the signature: first among the keys the operation needs,
   * then among every other key of the computation.
   */
  private Party verify(Operation operation, byte[] message, byte[] signature)
      throws AuthorizationException {
    List<Party> expected = expected(operation);
    for (Party p : expected) {
      if (Signatures.verify(p.key, message, signature)) {
        return p;
      }
    }
    for (Party p : all()) {
      if (expected.stream().noneMatch(e -> e.pem.equals(p.pem))
          && Signatures.verify(p.key, message, signature)) {
        return p;
      }
    }
    throw AuthorizationException.unauthenticated(
        "signature does not verify with any key of this computation (wrong key, or signed for"
            + " another computation, manifest, operation, time or nonce)");
  }

  /** Accepts a signer holding a key the operation needs, and names any other signer's key. */
  private Grant checkRole(Operation operation, Party signer, boolean legacy) throws AgentException {
    if (expected(operation).contains(signer)) {
      return new Grant(operation, signer.index, signer.pem, legacy);
    }
    if (operation.kind() == Operation.Kind.DATA
        && manifest.dataset(operation.filename()).isEmpty()) {
      throw new AgentException(
          Kind.UNDECLARED,
          "dataset " + Texts.quote(operation.filename()) + " is not declared in the manifest");
    }
    throw AuthorizationException.permissionDenied(
        "signed by a key that is not "
            + expectedDescription(operation)
            + " of this computation (the signature is from "
            + signer.description
            + ")");
  }

  private List<Party> expected(Operation operation) {
    return switch (operation.kind()) {
      case ALGO -> List.of(algorithm);
      case DATA ->
          manifest
              .dataset(operation.filename())
              .map(d -> List.of(datasets.get(manifest.datasets().indexOf(d))))
              .orElse(List.of());
      case RESULT -> consumers;
    };
  }

  private static String expectedDescription(Operation operation) {
    return switch (operation.kind()) {
      case ALGO -> "the algorithm-provider key";
      case DATA -> "the data-provider key of dataset " + Texts.quote(operation.filename());
      case RESULT -> "a consumer key";
    };
  }

  private List<Party> all() {
    List<Party> all = new ArrayList<>(1 + datasets.size() + consumers.size());
    all.add(algorithm);
    all.addAll(datasets);
    all.addAll(consumers);
    return all;
  }

  private static Optional<String> single(Map<String, List<String>> metadata, String key)
      throws AuthorizationException {
    List<String> values = metadata.getOrDefault(key, List.of());
    if (values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      throw AuthorizationException.unauthenticated(
          "request has " + values.size() + " " + key + " values, expected exactly one");
    }
    return Optional.of(values.get(0));
  }

  private static byte[] decode(String base64) throws AuthorizationException {
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw AuthorizationException.unauthenticated(
          "signature is not valid base64 (standard alphabet, padded)");
    }
    if (signature.length == 0) {
      throw AuthorizationException.unauthenticated("request has an empty signature");
    }
    return signature;
  }
}
