import BenchDataFile

/// A Hugging Face `config.json`, read into a ``ModelConfig`` (docs/project.md#model-config).
///
/// The field names of the common families are accepted: Llama, Mistral and Qwen
/// (`hidden_size`, `num_hidden_layers`, `num_attention_heads`, `num_key_value_heads`,
/// `intermediate_size`, `hidden_act`, `rms_norm_eps`, `rope_theta`), GPT-2 (`n_embd`,
/// `n_layer`, `n_head`, `n_inner`, `n_positions`, `activation_function`), BERT
/// (`max_position_embeddings`, `layer_norm_eps`) and MPT (`d_model`, `n_layers`, `n_heads`,
/// `expansion_ratio`, `max_seq_len`).
struct HuggingFaceConfigFile: Decodable {
    var modelType: String?
    var hiddenSize: Int?, nEmbd: Int?, dModel: Int?
    var numHiddenLayers: Int?, nLayer: Int?, nLayers: Int?
    var numAttentionHeads: Int?, nHead: Int?, nHeads: Int?
    var numKeyValueHeads: Int?
    var intermediateSize: Int?, nInner: Int?, expansionRatio: Double?
    var vocabSize: Int?
    var maxPositionEmbeddings: Int?, nPositions: Int?, maxSeqLen: Int?
    var tieWordEmbeddings: Bool?
    var hiddenAct: String?, activationFunction: String?
    var rmsNormEps: Double?, layerNormEps: Double?, layerNormEpsilon: Double?
    var ropeTheta: Double?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", nEmbd = "n_embd", dModel = "d_model"
        case numHiddenLayers = "num_hidden_layers", nLayer = "n_layer", nLayers = "n_layers"
        case numAttentionHeads = "num_attention_heads", nHead = "n_head", nHeads = "n_heads"
        case numKeyValueHeads = "num_key_value_heads", intermediateSize = "intermediate_size", nInner = "n_inner"
        case expansionRatio = "expansion_ratio", vocabSize = "vocab_size"
        case maxPositionEmbeddings = "max_position_embeddings", nPositions = "n_positions", maxSeqLen = "max_seq_len"
        case tieWordEmbeddings = "tie_word_embeddings", hiddenAct = "hidden_act"
        case activationFunction = "activation_function", rmsNormEps = "rms_norm_eps", layerNormEps = "layer_norm_eps"
        case layerNormEpsilon = "layer_norm_epsilon", ropeTheta = "rope_theta"
    }
}

extension ModelConfig {
    /// Reads a Hugging Face `config.json`; a missing or unusable field is named in one line.
    public static func huggingFace(path: String, name: String? = nil) throws(ProjectionError) -> ModelConfig {
        let file: HuggingFaceConfigFile
        switch DataFile.decode(HuggingFaceConfigFile.self, path: path) {
        case .success(let f): file = f
        case .failure(let e): throw .badInput("--model-config '\(path)': \(e)")
        }
        func need(_ v: Int?, _ field: String) throws(ProjectionError) -> Int {
            guard let v else { throw .badInput("--model-config '\(path)': no \(field)") }
            return v
        }
        let hidden = try need(file.hiddenSize ?? file.nEmbd ?? file.dModel, "hidden_size (or n_embd, d_model)")
        let layers = try need(
            file.numHiddenLayers ?? file.nLayer ?? file.nLayers, "num_hidden_layers (or n_layer, n_layers)")
        let heads = try need(file.numAttentionHeads ?? file.nHead ?? file.nHeads, "num_attention_heads (or n_head)")
        let vocab = try need(file.vocabSize, "vocab_size")
        let act = (file.hiddenAct ?? file.activationFunction)?.lowercased()
        let type = file.modelType?.lowercased() ?? ""
        let activation: Activation
        switch act {
        case .some(let a) where a.contains("silu") || a.contains("swish") || a.contains("swiglu"): activation = .swiglu
        case .some(let a) where a.contains("gelu"): activation = .gelu
        case .none where type == "mpt": activation = .gelu
        case .some(let a):
            throw .badInput("--model-config '\(path)': hidden_act '\(a)' is neither a GELU nor SiLU/SwiGLU")
        case .none: throw .badInput("--model-config '\(path)': no hidden_act (or activation_function)")
        }
        let ffn: Int
        if let f = file.intermediateSize ?? file.nInner {
            ffn = f
        } else if let r = file.expansionRatio, r > 0, r < 64 {
            ffn = Int((r * Double(hidden)).rounded())
        } else if activation == .gelu && (type == "gpt2" || file.nEmbd != nil) {
            ffn = 4 * hidden  // GPT-2: n_inner null means 4·n_embd
        } else {
            throw .badInput("--model-config '\(path)': no intermediate_size")
        }
        let seq = try need(
            file.maxPositionEmbeddings ?? file.nPositions ?? file.maxSeqLen,
            "max_position_embeddings (or n_positions, max_seq_len)")
        let rms =
            file.rmsNormEps != nil
            || (file.layerNormEps == nil && file.layerNormEpsilon == nil && activation == .swiglu)
        let position = file.ropeTheta != nil || activation == .swiglu ? "rope" : (type == "mpt" ? "alibi" : "learned")
        var config = ModelConfig(
            name: name ?? (type.isEmpty ? "model-config" : type), hidden: hidden, layers: layers, heads: heads,
            kvHeads: file.numKeyValueHeads ?? heads, ffn: ffn, vocab: vocab, seq: min(seq, 8192),
            tiedEmbeddings: file.tieWordEmbeddings ?? true, activation: activation, norm: rms ? .rmsnorm : .layernorm,
            position: position, causal: !type.contains("bert"), source: path)
        config.notes = ["read from \(path)"]
        if let p = config.problem { throw .badInput("--model-config '\(path)': \(p)") }
        return config
    }
}
