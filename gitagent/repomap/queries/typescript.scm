; gitagent's additions for TypeScript and TSX: base classes and implemented interfaces are references.

(extends_clause value: (identifier) @name) @reference.class

(implements_clause (type_identifier) @name) @reference.implementation
