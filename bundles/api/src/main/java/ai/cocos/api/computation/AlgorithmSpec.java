package ai.cocos.api.computation;

import java.util.List;
import java.util.Objects;

/**
 * The algorithm a computation runs: its content hash, the key of the party allowed to upload it,
 * the runner type, and its arguments.
 *
 * @param hash SHA3-256 of the algorithm file as uploaded (after any decryption)
 * @param userKey the algorithm provider's public key; the upload must be signed with its private
 *     key
 * @param type the runner type, e.g. {@code bin}, {@code python}, {@code wasm}, {@code docker} (the
 *     {@code ai.cocos.api.runner.WorkloadRunner} type that runs it)
 * @param args the arguments, passed to the algorithm as a vector, never through a shell
 */
public record AlgorithmSpec(Sha3Hash hash, PublicKeyPem userKey, String type, List<String> args) {
  /**
   * Checks the values and copies the arguments.
   *
   * @throws IllegalArgumentException if the type is blank or an argument holds a NUL character
   */
  public AlgorithmSpec {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(type, "type");
    if (type.isBlank()) {
      throw new IllegalArgumentException("type must not be blank");
    }
    args = List.copyOf(Objects.requireNonNull(args, "args"));
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "args[" + i + "] holds a NUL character, which no program can receive");
      }
    }
  }
}
