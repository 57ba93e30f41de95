import Foundation
import Testing
import PythonSource

@Suite struct TextGenerationScriptTests {
    /// The Paperspace Gradient tutorial's `nlp_text_generation.py`.
    static let tutorial = #"""
        from transformers import pipeline, set_seed

        # Settings
        random_seed = 42
        max_length = 30
        num_return_sequences = 5
        initial_sentence = "Hello, I'm a language model,"

        generator = pipeline('text-generation', model='gpt2')
        set_seed(random_seed)
        output = generator(initial_sentence, max_length = max_length, num_return_sequences = num_return_sequences)

        with open('output.txt', 'w') as f:
            ival = 1
            for val in output:
                print('---\nOutput {} of {}\n---\n'.format(ival, num_return_sequences), file=f)
                print(val['generated_text'], file=f)
                if ival < num_return_sequences: print(file=f)
                ival += 1
        print('Done')

        """#

    func read(_ source: String) throws(PythonSourceError) -> TextGenerationScript {
        try TextGenerationScript.read(source: source, file: "nlp_text_generation.py")
    }

    /// The one-line description of the error reading `source` gives.
    func error(_ source: String) -> String? {
        do {
            _ = try read(source)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsTheTutorial() throws {
        let script = try read(Self.tutorial)
        #expect(script.task.value == "text-generation")
        #expect(script.model == Sourced("gpt2", line: 9, column: 47))
        #expect(script.seed == Sourced(42, line: 10, column: 10, name: "random_seed", bindingLine: 4))
        #expect(script.prompt == Sourced("Hello, I'm a language model,", line: 11, column: 20, name: "initial_sentence", bindingLine: 7))
        #expect(script.arguments == [
            "max_length": Sourced(.int(30), line: 11, column: 51, name: "max_length", bindingLine: 5),
            "num_return_sequences": Sourced(.int(5), line: 11, column: 86, name: "num_return_sequences", bindingLine: 6),
        ])
        #expect(script.arguments["max_length"]?.valueLine == 5)
        #expect(script.pipelineLine == 9 && script.generatorName == "generator" && script.generatorLine == 11)
        #expect(script.otherPipelineArguments.isEmpty)
        #expect(TextGenerationScript.detect(source: Self.tutorial) == TextGenerationScript.Detection(line: 9, model: "gpt2"))
    }

    @Test func readsTheTutorialUnderAHeaderComment() throws {
        let header = "# NLP text generation\n#\n# Generates text with GPT-2.\n#\n# Edit the settings below.\n\n# Setup\n"
        let script = try read(header + Self.tutorial)
        #expect(script.arguments["max_length"] == Sourced(.int(30), line: 18, column: 51, name: "max_length", bindingLine: 12))
        #expect(script.pipelineLine == 16 && script.generatorLine == 18 && script.seed?.bindingLine == 11)
        let computed = header + Self.tutorial.replacingOccurrences(of: "max_length = 30", with: "max_length = int('30')")
        #expect(error(computed) == "nlp_text_generation.py:12:14: max_length is computed (a call of int), not a literal; write the value itself")
    }

    @Test func readsSamplingSettings() throws {
        let script = try read("""
            from transformers import pipeline
            generator = pipeline(task='text-generation', model="distilgpt2", device=0)
            result = generator(text_inputs='Once upon a time', max_new_tokens=40, temperature=0.9, do_sample=True, top_p=.95,
                               top_k=50, repetition_penalty=1.2, bad_words_ids=[[1, 2]], pad_token_id=None)
            """)
        #expect(script.model?.value == "distilgpt2")
        #expect(script.prompt.value == "Once upon a time")
        #expect(script.seed == nil)
        #expect(script.arguments.mapValues(\.value) == [
            "max_new_tokens": .int(40), "temperature": .float(0.9), "do_sample": .bool(true), "top_p": .float(0.95),
            "top_k": .int(50), "repetition_penalty": .float(1.2), "bad_words_ids": .list([.list([.int(1), .int(2)])]),
            "pad_token_id": .none,
        ])
        #expect(script.arguments["temperature"]?.line == 3)
        #expect(script.arguments["top_k"]?.line == 4)
        #expect(script.otherPipelineArguments == ["device": 2])
    }

    @Test func aliasesAndModuleCalls() throws {
        let aliased = try read("""
            from transformers import pipeline as make, set_seed as seed_everything
            seed_everything(7)
            g = make('text-generation', 'gpt2-medium')
            g('Hi', max_length=10)
            """)
        #expect(aliased.model?.value == "gpt2-medium" && aliased.seed?.value == 7 && aliased.generatorName == "g")
        let module = try read("""
            import transformers as tf
            tf.set_seed(seed=3)
            generator: object = tf.pipeline("text-generation")
            generator("Hi")
            """)
        #expect(module.model == nil && module.seed?.value == 3 && module.prompt.value == "Hi")
        let plain = try read("import transformers\nout = transformers.pipeline('text-generation', model='gpt2')('Hi', max_length=5)\n")
        #expect(plain.generatorName == nil && plain.generatorLine == 2 && plain.arguments["max_length"]?.value == .int(5))
        let walrus = try read("from transformers import pipeline\nif (g := pipeline('text-generation')):\n    g('Hi')\n")
        #expect(walrus.generatorName == "g" && walrus.generatorLine == 3)
        // Inside top-level blocks, such as the __main__ guard.
        let guarded = try read("""
            from transformers import pipeline
            prompt = 'Hi'
            if __name__ == '__main__':
                generator = pipeline('text-generation', model='gpt2')
                print(generator(prompt, max_length=20))
            """)
        #expect(guarded.prompt == Sourced("Hi", line: 5, column: 21, name: "prompt", bindingLine: 2))
    }

    @Test func errorsAreOneLineWithWhatToDo() {
        #expect(error("print('hello')\n") == "nlp_text_generation.py:1: no pipeline(...) call found; "
            + "a text-generation script builds one with pipeline('text-generation', model=...) from transformers")
        #expect(error("from transformers import pipeline\ns = pipeline('summarization')\ns('text')\n") == "nlp_text_generation.py:2:14: "
            + "the pipeline's task is 'summarization', not 'text-generation'; wf runs text-generation pipelines only")
        #expect(error("from transformers import pipeline\na = pipeline('text-generation')\nb = pipeline('text-generation')\na('x')\n")
            == "nlp_text_generation.py:3:5: more than one pipeline(...) call (lines 2 and 3); wf reads a script that builds one pipeline")
        #expect(error("from transformers import pipeline\ng = pipeline('text-generation')\ng('a')\n\ng('b')\n")
            == "nlp_text_generation.py:5:1: g is called more than once (lines 3 and 5); wf runs one generation: keep one call")
        #expect(error("from transformers import pipeline\ngenerator = pipeline('text-generation')\n")
            == "nlp_text_generation.py:2:13: the pipeline assigned to generator is never called; call generator(prompt, max_length=...) once")
        #expect(error("from transformers import pipeline\npipelines = [pipeline('text-generation')]\n")?
            .hasSuffix("the pipeline built here is not assigned to a variable; write generator = pipeline(...) and call generator(prompt, ...)") == true)
        #expect(error("from transformers import pipeline\nx = 1\nsummarise = pipeline(task=x)\n")
            == "nlp_text_generation.py:3:27: the pipeline's task is 1 (an int), not a string; write it in quotes")
    }

    @Test func promptsThatAreNotLiterals() {
        let header = "from transformers import pipeline\ngenerator = pipeline('text-generation')\n"
        #expect(error(header + "name = 'x'\ngenerator(f'Hello {name}')\n")
            == "nlp_text_generation.py:4:11: the prompt is computed (an f-string), not a literal; write the value itself")
        #expect(error(header + "generator(open('prompt.txt').read())\n")
            == "nlp_text_generation.py:3:11: the prompt is computed (a call of open(...).read), not a literal; write the value itself")
        #expect(error(header + "text = input('Prompt: ')\ngenerator(text)\n")
            == "nlp_text_generation.py:3:8: text is computed (a call of input), not a literal; write the value itself")
        #expect(error(header + "generator(['a', 'b'])\n")
            == "nlp_text_generation.py:3:11: the prompt is a list of 2 strings; wf generates from one prompt: pass one string")
        #expect(error(header + "generator(42)\n") == "nlp_text_generation.py:3:11: the prompt is 42 (an int), not a string; write the text in quotes")
        #expect(error(header + "generator(max_length=5)\n")
            == "nlp_text_generation.py:3:1: generator(...) has no prompt; pass the text as its first argument")
        #expect(error(header + "generator('a', 5)\n")
            == "nlp_text_generation.py:3:16: generator(...) takes the prompt as its only positional argument; pass the other settings by keyword (max_length=...)")
        #expect(error(header + "generator('a', text_inputs='b')\n")?.hasSuffix("the prompt is given twice, as argument 1 and as text_inputs=; keep one") == true)
    }

    @Test func settingsThatAreNotLiterals() {
        let header = "from transformers import pipeline\ngenerator = pipeline('text-generation')\n"
        #expect(error(header + "settings = {'max_length': 30}\ngenerator('a', **settings)\n")
            == "nlp_text_generation.py:4:16: generator(...) passes **kwargs; wf reads only literal arguments: write the prompt and each setting out as name=value")
        #expect(error(header + "prompts = ['a']\ngenerator(*prompts)\n")
            == "nlp_text_generation.py:4:11: generator(...) passes *args; wf reads only literal arguments: write the prompt and each setting out")
        #expect(error(header + "max_length = int('30')\ngenerator('a', max_length=max_length)\n")
            == "nlp_text_generation.py:3:14: max_length is computed (a call of int), not a literal; write the value itself")
        #expect(error(header + "generator('a', max_length=10 * 3)\n")
            == "nlp_text_generation.py:3:27: max_length is computed (an expression with *), not a literal; write the value itself")
        #expect(error(header + "generator('a', max_length=1, max_length=2)\n") == "nlp_text_generation.py:3:30: keyword argument repeated: max_length")
        #expect(error(header + "if big:\n    n = 50\nelse:\n    n = 10\ngenerator('a', max_length=n)\n")
            == "nlp_text_generation.py:6:5: n is assigned inside the 'if' block on line 3, so its value depends on how the script runs; assign it once at top level, outside any block")
        #expect(error(header + "generator('a', max_length=" + String(repeating: "9", count: 30) + ")\n")?.contains("does not fit in a 64-bit integer") == true)
    }

    @Test func seeds() {
        let tail = "generator = pipeline('text-generation')\ngenerator('a')\n"
        #expect(error("from transformers import pipeline, set_seed\nset_seed('42')\n" + tail)
            == "nlp_text_generation.py:2:10: the seed is '42' (a str), not an int; pass an int, such as set_seed(42)")
        #expect(error("from transformers import pipeline, set_seed\nseed = 4.2\nset_seed(seed)\n" + tail)
            == "nlp_text_generation.py:3:10: the seed is 4.2 (a float), not an int; pass an int, such as set_seed(42)")
        #expect(error("from transformers import pipeline, set_seed\nset_seed(1)\nset_seed(2)\n" + tail)
            == "nlp_text_generation.py:3:1: set_seed is called more than once (lines 2 and 3); keep one call")
        #expect(error("from transformers import pipeline, set_seed\n" + tail + "set_seed(1)\n")
            == "nlp_text_generation.py:4:1: set_seed(...) on line 4 comes after the generation on line 3, so it does not affect it; call it before")
        #expect(error("from transformers import pipeline, set_seed\nset_seed()\n" + tail)
            == "nlp_text_generation.py:2:1: set_seed(...) has no seed; pass an int, such as set_seed(42)")
    }

    @Test func callsOutsideTheTopLevel() {
        #expect(error("from transformers import pipeline\ndef main():\n    g = pipeline('text-generation')\n    g('a')\nmain()\n")
            == "nlp_text_generation.py:3:9: the pipeline(...) call is inside function main; wf reads scripts that build the pipeline at top level, outside any def, class, lambda or comprehension")
        #expect(error("from transformers import pipeline\ng = pipeline('text-generation')\nouts = [g(p) for p in ['a', 'b']]\n")
            == "nlp_text_generation.py:3:9: g is called inside a list comprehension; wf reads a single call at top level, outside any def, class, lambda or comprehension")
        #expect(error("from transformers import pipeline\ng = pipeline('text-generation')\ndef run():\n    return g('a')\n")?
            .hasSuffix("g is called inside function run; wf reads a single call at top level, outside any def, class, lambda or comprehension") == true)
        #expect(error("from transformers import pipeline\ng('a')\ng = pipeline('text-generation')\n")
            == "nlp_text_generation.py:2:1: g is called on line 2, before the pipeline is built on line 3")
    }

    @Test func syntaxErrorsComeFirst() {
        #expect(error("from transformers import pipeline\ngenerator = pipeline('text-generation'\n")
            == "nlp_text_generation.py:2:21: '(' was never closed")
    }

    @Test func pipelineFromElsewhereIsNotTransformers() {
        #expect(error("from mylib import pipeline\ng = pipeline('text-generation')\ng('a')\n")?.contains("no pipeline(...) call found") == true)
        #expect(TextGenerationScript.detect(source: "from mylib import pipeline\ng = pipeline('text-generation')\n") != nil)
    }

    @Test func detection() {
        #expect(TextGenerationScript.detect(source: "def main():\n    return pipeline(task='text-generation', model=M)\nM = 'gpt2'\n")?.line == 2)
        #expect(TextGenerationScript.detect(source: "TASK = 'text-generation'\nimport transformers\ntransformers.pipeline(TASK)\n")
            == TextGenerationScript.Detection(line: 3, model: nil))
        #expect(TextGenerationScript.detect(source: "from transformers import pipeline\npipeline('summarization')\n") == nil)
        #expect(TextGenerationScript.detect(source: "pipeline('text-generation'\n") == nil)
        #expect(TextGenerationScript.detect(source: "print('no pipeline')\n") == nil)
        #expect(TextGenerationScript.detect(source: "") == nil)
    }
}
