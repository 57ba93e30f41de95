/// Parameter lists of `def` and `lambda` (`parameters` and `lambda_parameters` in
/// `Grammar/python.gram`): `a, /, b=1, *args, c, d=2, **kw`, with annotations for `def`.
extension Parser {
    mutating func parameterList(closing: String, annotations: Bool) throws(PythonSourceError) -> Parameters {
        var parameters = Parameters()
        var sawSlash = false, sawStar = false, sawDefault = false
        var bareStar: SourceLocation? = nil
        while !current.isOp(closing) {
            let start = current.start
            if parameters.keywords != nil { throw fail("arguments cannot follow var-keyword argument") }
            if accept("/") {
                if sawSlash { throw fail("/ may appear only once", at: start) }
                if sawStar { throw fail("/ must be ahead of *", at: start) }
                if parameters.regular.isEmpty { throw fail("at least one argument must precede /", at: start) }
                parameters.positionalOnly = parameters.regular
                parameters.regular = []
                sawSlash = true
            } else if accept("**") {
                parameters.keywords = try parameter(annotations: annotations, star: false)
                if current.isOp("=") { throw fail("var-keyword argument cannot have default value") }
            } else if accept("*") {
                if sawStar { throw fail("* argument may appear only once", at: start) }
                sawStar = true
                if current.isOp(",") || current.isOp(closing) {
                    bareStar = start
                } else {
                    parameters.variadic = try parameter(annotations: annotations, star: true)
                    if current.isOp("=") { throw fail("var-positional argument cannot have default value") }
                }
            } else {
                var parameter = try parameter(annotations: annotations, star: false)
                if accept("=") {
                    parameter.defaultValue = try expression()
                    if !sawStar { sawDefault = true }
                } else if sawDefault && !sawStar {
                    throw fail("non-default argument follows default argument", at: start)
                }
                if sawStar { parameters.keywordOnly.append(parameter) } else { parameters.regular.append(parameter) }
            }
            if !accept(",") { break }
        }
        if let bareStar, parameters.keywordOnly.isEmpty {
            throw fail("named arguments must follow bare *", at: bareStar)
        }
        return parameters
    }

    /// `NAME [':' expression]`; after `*`, the annotation may be starred (`*args: *Ts`).
    mutating func parameter(annotations: Bool, star: Bool) throws(PythonSourceError) -> Parameter {
        let start = current.start
        let name = try identifier()
        var annotation: Expr? = nil
        if annotations, accept(":") {
            annotation = star && current.isOp("*") ? try starExpression() : try expression()
        }
        return Parameter(name: name, annotation: annotation, defaultValue: nil, start: start)
    }
}
