package ai.cocos.api.computation;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * One dataset a computation accepts: its content hash, the key of the party allowed to upload it,
 * and the file name it is stored under.
 *
 * @param hash SHA3-256 of the dataset as uploaded (after any decryption, before decompression)
 * @param userKey the data provider's public key; uploads must be signed with its private key
 * @param filename the plain file name the dataset is uploaded and stored under (see {@link
 *     #filenameProblem(String)})
 * @param decompress whether the agent unpacks the uploaded zip into the datasets folder instead of
 *     storing the file as is
 */
public record DatasetSpec(
    Sha3Hash hash, PublicKeyPem userKey, String filename, boolean decompress) {
  /** The longest file name accepted, in bytes of UTF-8 (the usual file-system limit). */
  public static final int MAX_FILENAME_BYTES = 255;

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException if the file name is not a plain file name
   */
  public DatasetSpec {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(filename, "filename");
    Optional<String> problem = filenameProblem(filename);
    if (problem.isPresent()) {
      throw new IllegalArgumentException("filename " + problem.get());
    }
  }

  /**
   * Says what is wrong with a dataset file name, if anything. A file name must be a plain name in
   * one folder: not empty, no {@code /} or {@code \}, not {@code .} or {@code ..}, no control
   * characters (U+0000-U+001F, U+007F-U+009F), valid Unicode, and at most {@value
   * #MAX_FILENAME_BYTES} bytes of UTF-8.
   *
   * @param filename the name
   * @return the problem, phrased to follow the field name (e.g. {@code must be a plain file name,
   *     found '../etc/passwd'}), or empty if the name is acceptable
   */
  public static Optional<String> filenameProblem(String filename) {
    Objects.requireNonNull(filename, "filename");
    if (filename.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (filename.indexOf('/') >= 0
        || filename.indexOf('\\') >= 0
        || filename.equals(".")
        || filename.equals("..")) {
      return Optional.of("must be a plain file name, found " + Text.quote(filename));
    }
    for (int i = 0; i < filename.length(); i++) {
      if (Text.isControl(filename.charAt(i))) {
        return Optional.of(
            "must be a plain file name without control characters, found " + Text.quote(filename));
      }
    }
    if (Text.hasUnpairedSurrogate(filename)) {
      return Optional.of("must be valid Unicode, found an unpaired surrogate");
    }
    int bytes = filename.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_FILENAME_BYTES) {
      return Optional.of(
          "must be at most " + MAX_FILENAME_BYTES + " bytes in UTF-8, found " + bytes + " bytes");
    }
    return Optional.empty();
  }
}
