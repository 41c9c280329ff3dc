package ai.cocos.api.computation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A computation manifest: what the agent accepts for one computation and from whom. Obtain one by
 * parsing ({@code ai.cocos.manifest.ManifestParser}), which also checks keys and certificates.
 *
 * <p>{@link #toString()} is safe to log: the agent configuration's private key is redacted and keys
 * print as fingerprints.
 *
 * @param id the computation id (see {@link #idProblem(String)})
 * @param name a human-readable name, possibly empty
 * @param description a description, possibly empty
 * @param datasets the datasets, in manifest order, with distinct file names; may be empty
 * @param algorithm the algorithm
 * @param resultConsumers the parties allowed to download the results; at least one
 * @param agentConfig how the agent serves this computation
 */
public record Manifest(
    String id,
    String name,
    String description,
    List<DatasetSpec> datasets,
    AlgorithmSpec algorithm,
    List<ResultConsumer> resultConsumers,
    AgentConfig agentConfig) {
  /** The longest id accepted. */
  public static final int MAX_ID_LENGTH = 128;

  /**
   * Checks the invariants and copies the lists.
   *
   * @throws IllegalArgumentException if the id is not acceptable, two datasets share a file name,
   *     or there is no result consumer
   */
  public Manifest {
    Objects.requireNonNull(id, "id");
    Optional<String> idProblem = idProblem(id);
    if (idProblem.isPresent()) {
      throw new IllegalArgumentException("id " + idProblem.get());
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    datasets = List.copyOf(Objects.requireNonNull(datasets, "datasets"));
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < datasets.size(); i++) {
      Integer first = names.putIfAbsent(datasets.get(i).filename(), i);
      if (first != null) {
        throw new IllegalArgumentException(
            "datasets["
                + i
                + "] has the file name "
                + Text.quote(datasets.get(i).filename())
                + " of datasets["
                + first
                + "]");
      }
    }
    Objects.requireNonNull(algorithm, "algorithm");
    resultConsumers = List.copyOf(Objects.requireNonNull(resultConsumers, "resultConsumers"));
    if (resultConsumers.isEmpty()) {
      throw new IllegalArgumentException(
          "resultConsumers is empty: nobody could download the results");
    }
    Objects.requireNonNull(agentConfig, "agentConfig");
  }

  /**
   * Says what is wrong with a computation id, if anything. An id is 1 to {@value #MAX_ID_LENGTH}
   * characters from {@code A-Z a-z 0-9 . _ : -} (a UUID fits), not {@code .} or {@code ..}, because
   * it ends up in log lines and resource names.
   *
   * @param id the id
   * @return the problem, phrased to follow the field name, or empty if the id is acceptable
   */
  public static Optional<String> idProblem(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (id.length() > MAX_ID_LENGTH) {
      return Optional.of("must be at most " + MAX_ID_LENGTH + " characters, found " + id.length());
    }
    if (id.equals(".") || id.equals("..")) {
      return Optional.of("must not be '.' or '..'");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '-';
      if (!ok) {
        return Optional.of(
            "may hold only letters, digits, '.', '_', ':' and '-', found "
                + Text.quote(String.valueOf(c))
                + " at character "
                + (i + 1));
      }
    }
    return Optional.empty();
  }

  /**
   * Finds a dataset by its file name.
   *
   * @param filename the file name, compared exactly
   * @return the dataset, or empty if the manifest declares none by that name
   */
  public Optional<DatasetSpec> dataset(String filename) {
    return datasets.stream().filter(d -> d.filename().equals(filename)).findFirst();
  }
}
