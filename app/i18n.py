"""Every string of the interface, in English and Simplified Chinese. ``t(lang)`` returns one table."""

from __future__ import annotations

LANGS = {"en": "English", "zh": "简体中文"}

EN: dict[str, object] = {
    "title": "Gatescope",
    "tagline": "Type a sentence and watch a trained LSTM or GRU read it, one token at a time.",
    "task": "Task",
    "architecture": "Architecture",
    "sentence": "Sentence",
    "sentence_help": "Free text. The model reads it token by token.",
    "example": "Examples",
    "example_none": "— pick an example —",
    "empty": "Type a sentence above (or pick an example) to see the model read it.",
    "too_long": "Your text has {n:,} tokens; the explorer reads the first {limit:,} (the limit is "
    "{limit:,} tokens). The rest of your text is kept in the box.",
    "unknown_tokens": "{n} token(s) are not in this model's vocabulary and read as <unk>.",
    "no_models": "No models found in {folder}. Build the zoo with `python -m cells.train.zoo`.",
    "layer": "Layer",
    "direction": "Direction",
    "forward": "forward",
    "backward": "backward",
    "both": "both, aligned",
    "order": "Order units by",
    "order_options": {
        "index": "index",
        "variance": "variance over the sentence",
        "mean": "mean activation",
        "saturation": "saturation (share of steps near 0 or 1)",
    },
    "order_by": "…of",
    "unit": "Unit",
    "unit_help": "The unit whose equations the step panel shows and which colours the sentence.",
    "convention": "GRU update gate",
    "convention_z": "z, as PyTorch: share of the old state kept",
    "convention_u": "u = 1 − z, as the textbooks: share of the candidate written",
    "convention_note": "PyTorch computes h′ = (1 − z) ⊙ n + z ⊙ h, so its z keeps the old state; the "
    "seed articles write h′ = (1 − u) ⊙ h + u ⊙ h̃, so their u = 1 − z writes the new one.",
    "gates_heading": "Every gate and state, units × tokens",
    "unit_heading": "The sentence coloured by unit {unit}'s {gate}",
    "output_chart": "Model output at every step",
    "p_next": "probability of the character that actually comes next",
    "card": "Model card",
    "metrics": "Held-out metrics",
    "upload": "Load your own model",
    "upload_help": "Two files exported by cells.export_torch: weights.safetensors and card.json. "
    "Pickle files (.pt, .pth, .pkl) are refused: they can run code.",
    "upload_bad": "This model could not be loaded: {error}",
    "upload_ok": "Loaded your model {name}.",
    "use_upload": "Use the uploaded model",
    "bidi_note": "Forward and backward runs, aligned to the same tokens: the backward run reads "
    "the sentence from the end, so its state at a token summarises what comes after it.",
    "range_label": "colour range ±{bound}",
    "gate_titles": {
        "i": "input gate i",
        "f": "forget gate f",
        "g": "candidate g (c̃)",
        "o": "output gate o",
        "c": "cell state c",
        "h": "hidden state h",
        "r": "reset gate r",
        "z": "update gate z (PyTorch: share of old state kept)",
        "u": "update gate u = 1 − z (textbook: share of candidate written)",
        "n": "candidate n (h̃)",
    },
    "view": "View",
    "views": {
        "explorer": "Explorer",
        "compare": "Side by side",
        "pairs": "Minimal pairs",
        "gradients": "Vanishing gradients",
        "intervene": "Interventions",
        "saturation": "Gate saturation",
        "findunit": "Find the unit",
    },
    "export": "Export",
    "export_csv": "Trace as CSV",
    "export_npz": "Trace as NPZ",
    "export_png": "Each chart saves itself as PNG: use the camera button in its top-right corner.",
    "export_snippet": "Reproduce these numbers with PyTorch from the model files:",
    "present": "Presentation mode",
    "present_exit": "Leave presentation mode",
    "present_help": "Large type and high contrast for a projector; controls tucked away.",
    "controls": "Controls",
    "how_to_read": "How to read this",
    "explorer_how": "Each heatmap is one gate or state: a row per unit, a column per token. Bright "
    "(yellow) gates are open (near 1), dark ones closed (near 0); blue is positive and red negative "
    "for the candidate and the states. The pink frame is the current step: step with ← and →.",
    "compare": {
        "how": "The same sentence through the LSTM, GRU and RNN trained on the same task. Rows line "
        "up gates that play the same role: what is kept of the old state (LSTM forget f, GRU z), what "
        "is written (LSTM input i, GRU 1 − z), the candidate, and the hidden state. One cursor for all.",
        "roles": {
            "keep": "Kept from the old state: LSTM forget gate f ↔ GRU z",
            "write": "Written from the candidate: LSTM input gate i ↔ GRU 1 − z",
            "candidate": "Candidate: LSTM g ↔ GRU n",
            "output": "Output gate (LSTM only)",
            "reset": "Reset gate (GRU only)",
            "hidden": "Hidden state h",
        },
        "missing": {
            "keep": "The {cell} has no gate that keeps: it rewrites its whole state every step.",
            "write": "The {cell} has no gate that writes: every step writes everything.",
            "candidate": "The {cell} has no separate candidate: its new state is the candidate.",
            "output": "The {cell} has no output gate: its whole state is its output.",
            "reset": "The {cell} has no reset gate.",
            "hidden": "",
        },
    },
    "gradients": {
        "how": "Train a network and its gradients tell each weight how to change. This chart shows how "
        "strongly the model's output at the chosen step depends on each earlier input — the size of "
        "the gradient ‖∂output/∂xₛ‖, on a log scale. In a plain RNN it shrinks by a roughly constant "
        "factor per step back (it vanishes), so the RNN cannot learn from far-away words; the gates of "
        "the LSTM and GRU open a path along which it survives.",
        "target": "Output at step",
        "chart": "How much the output at step {step} depends on each input (log scale)",
        "y": "‖∂ output / ∂ xₛ‖",
        "target_note": "The output is the logit of what each model predicts there:",
        "too_long": "The gradient view reads at most {limit} tokens; it uses the beginning of your text.",
        "lifetime": "Memory lifetime",
        "lifetime_how": "How much of what was written at step s (column) is still there at step t "
        "(row): the product of the LSTM's forget gates, or the GRU's keep-shares z, from s+1 to t, "
        "averaged over the units. 1 (yellow) is kept entirely, 0 (dark) forgotten.",
        "lifetime_hover": "written at %{x}<br>read at %{y}<br>kept %{z:.2f}",
        "lifetime_rnn": "The RNN has no gate that keeps anything: each step rewrites its whole state, "
        "so it has no lifetime to show.",
    },
    "saturation": {
        "how": "Each dot is one unit of a gate. Across: the share of steps at which the gate is nearly "
        "shut (below 0.1); up: nearly open (above 0.9). Units in the top-left corner are almost always "
        "open — a forget gate there remembers for a long time; units near the bottom-right are almost "
        "always shut; units along the diagonal switch between the two; units near the origin work in "
        "the middle of the range. Karpathy, Johnson and Fei-Fei (2015) found many such switches in "
        "trained LSTMs and few in GRUs. Drag a box around dots to see those units over the sentence.",
        "no_gates": "A plain RNN has no gates, so nothing can saturate: pick an LSTM or a GRU.",
        "source": "Count the steps of",
        "sources": {"sentence": "this sentence", "sample": "a sample of the task's text"},
        "gate": "Gate",
        "chart": "{gate}: share of steps nearly shut against nearly open",
        "x": "share of steps < 0.1 (shut)",
        "y": "share of steps > 0.9 (open)",
        "pick": "Drag a box or lasso around dots to see those units over the sentence.",
        "picked": "The selected units of the {gate} over the sentence",
    },
    "findunit": {
        "how": "Some tasks have a hidden variable that the network must keep track of: how many a's are "
        "still unmatched in aⁿbⁿ, whether the subject was singular or plural in the agreement task, "
        "whether we are inside a quotation in prose. Every unit of every gate and state is compared "
        "with that variable over the sentence (Pearson correlation); the best one is often a single, "
        "readable unit — a counter, a number switch, a quote detector.",
        "no_variable": "This task has no known hidden variable to look for. Tasks that have one: {tasks}.",
        "variable": "Hidden variable",
        "variables": {
            "count_ab": "#a − #b so far",
            "count_bc": "#b − #c so far",
            "subject": "subject's number (+1 plural, −1 singular)",
            "quotes": "inside a quotation (1) or not (0)",
        },
        "constant": "The hidden variable does not change in this sentence, so nothing can track it: "
        "try a sentence where it does (for example one with a quotation, or more a's).",
        "show": "Show the best unit in the explorer: {gate}, unit {unit} (r = {r:+.2f})",
        "chart": "The hidden variable and the unit that tracks it best",
        "table": "Best units",
        "cols": ["gate or state", "unit", "correlation r"],
        "card_says": "The model card names:",
    },
    "intervene": {
        "how": "Force a gate to a value and rerun: forget = 1 never forgets, input = 0 writes nothing, "
        "reset = 0 makes the GRU's candidate ignore the old state, update z = 1 keeps the old state "
        "(the textbook u = 0) and z = 0 writes the candidate. Or silence a unit. Left: as trained; "
        "right: with your intervention; below: how the output changes.",
        "gate": "Gate to clamp",
        "value": "Value",
        "units": "Units (none chosen: all)",
        "steps": "Steps",
        "add": "Add this clamp",
        "clear": "Remove all interventions",
        "zero": "Silence units (h = 0 after every step)",
        "active": "Active interventions",
        "none": "No intervention yet: add a clamp or silence a unit.",
        "before": "as trained",
        "after": "with the intervention",
        "outputs": "Output at every step, before and after",
        "presets": "Presets",
        "preset_names": {
            "never_forget": "never forget (f = 1, i = 0)",
            "write_nothing": "write nothing (i = 0)",
            "reset_off": "reset = 0",
            "keep": "update forced to keep (z = 1)",
            "write": "update forced to write (z = 0)",
        },
        "clamp_line": "{gate} = {value:g} · units {units} · steps {start}–{end}",
        "all": "all",
    },
    "pairs": {
        "how": "Two sentences that differ in one word. Each heatmap shows sentence B minus sentence A, "
        "position by position: white where the model does the same, colour where the change matters.",
        "sentence_a": "Sentence A",
        "sentence_b": "Sentence B",
        "too_long": "Minimal pairs read at most {limit:,} tokens per sentence.",
        "verdicts": "Output at the last token — A: {a} · B: {b}",
        "difference": "B − A: {gate} (colour range ±{bound})",
    },
    "stepper": {
        "tokens": "tokens",
        "step": "step",
        "prev": "previous step (←)",
        "next": "next step (→)",
        "play": "play",
        "pause": "pause",
        "speed": "speed",
        "unit": "unit",
        "keys": "← → step · Home/End jump · click a token to jump to it",
        "columns": ["gate", "input W·x", "recurrent W·h", "bias", "pre-activation", "value"],
        "gate_names": {
            "i": "input i = σ",
            "f": "forget f = σ",
            "g": "candidate g = tanh",
            "o": "output o = σ",
            "r": "reset r = σ",
            "z": "update z = σ",
            "n": "candidate n = tanh",
            "h": "hidden h = tanh",
            "h_relu": "hidden h = max(0, ·)",
        },
        "u_row": "u = 1 − z",
        "sub": "ₜ",
        "sub_prev": "ₜ₋₁",
        "kept": "kept",
        "written": "written",
        "output_topk": "Top 5 next characters",
        "output_classes": "Class probabilities",
        "output_value": "Predicted next value",
        "predicted_next": "predicted next value",
        "actual_next": "actual next value",
        "readout_last": "The model's answer is its output at the last token.",
        "caption": "Reading “{token}”: {parts}",
        "caption_gate": {
            "f": "forget gate {v:.2f} (1 keeps the memory)",
            "i": "input gate {v:.2f} (1 writes)",
            "o": "output gate {v:.2f}",
            "z": "update z {v:.2f} (share of the old state kept)",
            "r": "reset gate {v:.2f}",
        },
        "caption_rnn": "mean |h| {v:.2f}: no gates, the whole state is rewritten",
    },
}

ZH: dict[str, object] = {
    "title": "Gatescope 门控观察镜",
    "tagline": "输入一句话，看训练好的 LSTM 或 GRU 如何一个词元一个词元地读它。",
    "task": "任务",
    "architecture": "网络结构",
    "sentence": "句子",
    "sentence_help": "随便输入一段文字，模型会逐个词元读入。",
    "example": "例句",
    "example_none": "— 选一个例句 —",
    "empty": "请在上面输入一句话（或选一个例句），看看模型是怎么读的。",
    "too_long": "你的文本有 {n:,} 个词元，这里只读前 {limit:,} 个（上限 {limit:,} 个词元）。"
    "其余文字仍保留在输入框里。",
    "unknown_tokens": "有 {n} 个词元不在模型词表中，按 <unk> 读入。",
    "no_models": "在 {folder} 中没有找到模型。请先运行 `python -m cells.train.zoo` 训练模型库。",
    "layer": "层",
    "direction": "方向",
    "forward": "正向",
    "backward": "反向",
    "both": "正反向对齐",
    "order": "单元排序方式",
    "order_options": {
        "index": "编号",
        "variance": "句内方差",
        "mean": "平均激活值",
        "saturation": "饱和度（接近 0 或 1 的步数占比）",
    },
    "order_by": "依据",
    "unit": "单元",
    "unit_help": "步骤面板展示这个单元的方程，句子也按它的激活值着色。",
    "convention": "GRU 更新门",
    "convention_z": "z（PyTorch 写法）：保留旧状态的比例",
    "convention_u": "u = 1 − z（教材写法）：写入候选值的比例",
    "convention_note": "PyTorch 计算 h′ = (1 − z) ⊙ n + z ⊙ h，所以它的 z 表示保留多少旧状态；"
    "入门文章写成 h′ = (1 − u) ⊙ h + u ⊙ h̃，其中 u = 1 − z 表示写入多少新内容。",
    "gates_heading": "所有门和状态：单元 × 词元",
    "unit_heading": "按单元 {unit} 的 {gate} 给句子着色",
    "output_chart": "模型每一步的输出",
    "p_next": "模型给实际下一个字符的概率",
    "card": "模型卡片",
    "metrics": "留出集指标",
    "upload": "加载你自己的模型",
    "upload_help": "用 cells.export_torch 导出的两个文件：weights.safetensors 和 card.json。"
    "pickle 文件（.pt、.pth、.pkl）会被拒绝：加载它们可能执行任意代码。",
    "upload_bad": "无法加载这个模型：{error}",
    "upload_ok": "已加载你的模型 {name}。",
    "use_upload": "使用上传的模型",
    "bidi_note": "正向和反向两次运行按同一组词元对齐：反向运行从句末读起，"
    "所以它在某个词元处的状态概括的是这个词之后的内容。",
    "range_label": "颜色范围 ±{bound}",
    "gate_titles": {
        "i": "输入门 i",
        "f": "遗忘门 f",
        "g": "候选值 g（c̃）",
        "o": "输出门 o",
        "c": "细胞状态 c",
        "h": "隐藏状态 h",
        "r": "重置门 r",
        "z": "更新门 z（PyTorch 写法：保留旧状态的比例）",
        "u": "更新门 u = 1 − z（教材写法：写入候选值的比例）",
        "n": "候选值 n（h̃）",
    },
    "view": "视图",
    "views": {
        "explorer": "逐步观察",
        "compare": "并排对比",
        "pairs": "最小对比句",
        "gradients": "梯度消失",
        "intervene": "干预实验",
        "saturation": "门的饱和度",
        "findunit": "找出关键单元",
    },
    "export": "导出",
    "export_csv": "导出轨迹（CSV）",
    "export_npz": "导出轨迹（NPZ）",
    "export_png": "每张图都可以存成 PNG：点图右上角的相机按钮。",
    "export_snippet": "用 PyTorch 从模型文件复现这些数字：",
    "present": "演示模式",
    "present_exit": "退出演示模式",
    "present_help": "大字号、高对比度，适合投影；控件收起。",
    "controls": "控件",
    "how_to_read": "怎么看这张图",
    "explorer_how": "每张热力图对应一个门或状态：每行是一个单元，每列是一个词元。门的颜色越亮（黄）"
    "表示越接近 1（打开），越暗表示越接近 0（关闭）；候选值和状态用蓝色表示正、红色表示负。"
    "粉色方框是当前这一步，用 ← 和 → 逐步移动。",
    "compare": {
        "how": "同一句话分别交给在同一任务上训练的 LSTM、GRU 和 RNN。每一行把作用相同的门放在一起："
        "保留多少旧状态（LSTM 的遗忘门 f，GRU 的 z）、写入多少新内容（LSTM 的输入门 i，GRU 的 1 − z）、"
        "候选值，以及隐藏状态。所有图共用一个时间光标。",
        "roles": {
            "keep": "保留旧状态：LSTM 遗忘门 f ↔ GRU 的 z",
            "write": "写入候选值：LSTM 输入门 i ↔ GRU 的 1 − z",
            "candidate": "候选值：LSTM 的 g ↔ GRU 的 n",
            "output": "输出门（只有 LSTM 有）",
            "reset": "重置门（只有 GRU 有）",
            "hidden": "隐藏状态 h",
        },
        "missing": {
            "keep": "{cell} 没有负责“保留”的门：每一步都会改写整个状态。",
            "write": "{cell} 没有负责“写入”的门：每一步都全部写入。",
            "candidate": "{cell} 没有单独的候选值：新状态本身就是候选值。",
            "output": "{cell} 没有输出门：整个状态直接作为输出。",
            "reset": "{cell} 没有重置门。",
            "hidden": "",
        },
    },
    "gradients": {
        "how": "训练网络时，梯度告诉每个权重该往哪里改。这张图显示模型在选定那一步的输出，"
        "对之前每个输入有多敏感——也就是梯度 ‖∂输出/∂xₛ‖ 的大小（对数坐标）。普通 RNN 每往回一步，"
        "梯度大约缩小一个固定的倍数（这就是梯度消失），所以它学不到远处词语的影响；"
        "LSTM 和 GRU 的门打开了一条通路，让梯度得以保留。",
        "target": "看第几步的输出",
        "chart": "第 {step} 步的输出对每个输入的依赖程度（对数坐标）",
        "y": "‖∂ 输出 / ∂ xₛ‖",
        "target_note": "这里的输出是各模型在该步预测结果的 logit：",
        "too_long": "梯度视图最多读 {limit} 个词元，这里只用你文本的开头部分。",
        "lifetime": "记忆能保留多久",
        "lifetime_how": "第 s 步（列）写入的内容，到第 t 步（行）还剩多少：即从 s+1 到 t 的 LSTM 遗忘门"
        "（或 GRU 的保留比例 z）连乘，再对所有单元取平均。1（黄色）表示完整保留，0（深色）表示已遗忘。",
        "lifetime_hover": "写入于 %{x}<br>读取于 %{y}<br>保留 %{z:.2f}",
        "lifetime_rnn": "RNN 没有任何负责保留的门：每一步都改写整个状态，所以谈不上记忆能保留多久。",
    },
    "saturation": {
        "how": "每个点是某个门的一个单元。横轴：门几乎关闭（低于 0.1）的步数占比；纵轴：几乎完全打开"
        "（高于 0.9）的步数占比。左上角的单元几乎一直打开——这样的遗忘门能把记忆保留很久；右下角的单元"
        "几乎一直关闭；沿对角线的单元在开和关之间切换；靠近原点的单元则工作在中间区域。Karpathy、"
        "Johnson 和 Fei-Fei（2015）发现训练好的 LSTM 里有很多这样的“开关”，GRU 里则少得多。"
        "在图上框选一些点，就能看到这些单元在整句话上的变化。",
        "no_gates": "普通 RNN 没有门，也就谈不上饱和：请选择 LSTM 或 GRU。",
        "source": "统计范围",
        "sources": {"sentence": "这句话", "sample": "该任务的一批样本文本"},
        "gate": "门",
        "chart": "{gate}：几乎关闭与几乎打开的步数占比",
        "x": "< 0.1 的步数占比（关闭）",
        "y": "> 0.9 的步数占比（打开）",
        "pick": "在图上拖出方框或套索选中一些点，查看这些单元在整句话上的变化。",
        "picked": "选中的单元在整句话上的{gate}",
    },
    "findunit": {
        "how": "有些任务里藏着一个网络必须记住的量：aⁿbⁿ 中还有多少个 a 没有配对，一致性任务中主语是单数"
        "还是复数，读散文时当前是否在引号里。这里把每个门和状态的每个单元都与这个量在整句话上做比较"
        "（皮尔逊相关系数）；排在最前面的常常是一个含义清楚的单元——计数器、单复数开关、引号检测器。",
        "no_variable": "这个任务没有已知的隐藏变量可找。有隐藏变量的任务：{tasks}。",
        "variable": "隐藏变量",
        "variables": {
            "count_ab": "目前为止 #a − #b",
            "count_bc": "目前为止 #b − #c",
            "subject": "主语的单复数（+1 复数，−1 单数）",
            "quotes": "是否在引号内（1 是，0 否）",
        },
        "constant": "这句话里隐藏变量始终不变，所以没有单元能“跟踪”它：换一句会让它变化的话试试"
        "（比如带引号的句子，或者多几个 a）。",
        "show": "在逐步观察中查看最佳单元：{gate}，单元 {unit}（r = {r:+.2f}）",
        "chart": "隐藏变量与最能跟踪它的单元",
        "table": "最佳单元",
        "cols": ["门或状态", "单元", "相关系数 r"],
        "card_says": "模型卡片中标注的单元：",
    },
    "intervene": {
        "how": "把某个门强制设成固定值，再运行一遍：遗忘门 = 1 表示永不遗忘，输入门 = 0 表示什么都不写入，"
        "重置门 = 0 让 GRU 的候选值完全不看旧状态，更新门 z = 1 表示保留旧状态（即教材中的 u = 0），"
        "z = 0 表示写入候选值。也可以让某个单元静默。左边是训练好的原样，右边是干预之后，"
        "下方是输出的变化。",
        "gate": "要固定的门",
        "value": "数值",
        "units": "单元（不选表示全部）",
        "steps": "步的范围",
        "add": "添加这个干预",
        "clear": "清除所有干预",
        "zero": "让单元静默（每步之后 h = 0）",
        "active": "当前的干预",
        "none": "还没有干预：添加一个固定门，或者让某个单元静默。",
        "before": "原样",
        "after": "干预之后",
        "outputs": "每一步的输出：干预前后对比",
        "presets": "预设",
        "preset_names": {
            "never_forget": "永不遗忘（f = 1，i = 0）",
            "write_nothing": "什么都不写入（i = 0）",
            "reset_off": "重置门 = 0",
            "keep": "更新门强制保留（z = 1）",
            "write": "更新门强制写入（z = 0）",
        },
        "clamp_line": "{gate} = {value:g} · 单元 {units} · 第 {start}–{end} 步",
        "all": "全部",
    },
    "pairs": {
        "how": "两句话只差一个词。每张热力图显示句子 B 减去句子 A 的差，按位置对齐："
        "白色表示模型的反应相同，有颜色的地方说明这个改动起了作用。",
        "sentence_a": "句子 A",
        "sentence_b": "句子 B",
        "too_long": "最小对比句每句最多读 {limit:,} 个词元。",
        "verdicts": "最后一个词元处的输出 —— A：{a} · B：{b}",
        "difference": "B − A：{gate}（颜色范围 ±{bound}）",
    },
    "stepper": {
        "tokens": "词元",
        "step": "步",
        "prev": "上一步（←）",
        "next": "下一步（→）",
        "play": "播放",
        "pause": "暂停",
        "speed": "速度",
        "unit": "单元",
        "keys": "← → 逐步移动 · Home/End 跳到首尾 · 点击词元直接跳转",
        "columns": ["门", "输入项 W·x", "循环项 W·h", "偏置", "激活前", "值"],
        "gate_names": {
            "i": "输入门 i = σ",
            "f": "遗忘门 f = σ",
            "g": "候选值 g = tanh",
            "o": "输出门 o = σ",
            "r": "重置门 r = σ",
            "z": "更新门 z = σ",
            "n": "候选值 n = tanh",
            "h": "隐藏状态 h = tanh",
            "h_relu": "隐藏状态 h = max(0, ·)",
        },
        "u_row": "u = 1 − z",
        "sub": "ₜ",
        "sub_prev": "ₜ₋₁",
        "kept": "保留",
        "written": "写入",
        "output_topk": "最可能的 5 个下一字符",
        "output_classes": "各类别概率",
        "output_value": "预测的下一个值",
        "predicted_next": "预测的下一个值",
        "actual_next": "实际的下一个值",
        "readout_last": "模型的最终判断看最后一个词元处的输出。",
        "caption": "读入“{token}”：{parts}",
        "caption_gate": {
            "f": "遗忘门 {v:.2f}（越接近 1 越保留记忆）",
            "i": "输入门 {v:.2f}（越接近 1 写入越多）",
            "o": "输出门 {v:.2f}",
            "z": "更新门 z {v:.2f}（保留旧状态的比例）",
            "r": "重置门 {v:.2f}",
        },
        "caption_rnn": "|h| 平均 {v:.2f}：没有门，整个状态每步都被改写",
    },
}

TABLES = {"en": EN, "zh": ZH}


def t(lang: str) -> dict:
    """The string table for ``lang`` (English for anything unknown)."""
    return TABLES.get(lang, EN)
