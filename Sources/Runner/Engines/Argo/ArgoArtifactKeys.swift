/// Where a run exported by `wf export argo` keeps its files in Argo's artifact repository (the
/// bucket of the `artifactRepositoryRef` the manifest names), as S3 keys relative to it: Argo's
/// "key-only artifacts", whose bucket, endpoint and credentials come from that repository.
/// Every key ends in `.tgz` because Argo archives an artifact as a gzipped tar by default
/// (one top-level entry: the file or folder at the artifact's path).
///
///     wf/versions/<DATASET>/<VERSION-ID>.tgz     a dataset version an input reads
///     wf/runs/<RUN>/<JOB>/<OUTPUT>.tgz           an output of one job of one run
///
/// A version's key is its content address: the version id is the SHA-256 of its record, so a
/// key is written once and never changes, and any run may read it. Job and output names are
/// the workflow's own (letters, digits, '-' and '_'), not Argo's sanitised task names.
public enum ArgoArtifactKeys {
    /// The prefix of every key wf writes or reads in the artifact repository.
    public static let prefix = "wf"

    /// `wf/versions/DATASET/ID.tgz`: dataset version `id` (the full hex id) of `dataset`.
    public static func version(dataset: String, id: String) -> String {
        "\(prefix)/versions/\(dataset)/\(id).tgz"
    }

    /// `wf/runs/RUN/JOB/OUTPUT.tgz`: output `output` of job `job` of run `run`.
    public static func output(run: String, job: String, output: String) -> String {
        "\(prefix)/runs/\(run)/\(job)/\(output).tgz"
    }
}
