; gitagent's additions to the wheel's tags.scm: the references that tie Python files together beyond calls.

(class_definition
  superclasses: (argument_list
    [
      (identifier) @name
      (attribute attribute: (identifier) @name)
    ])) @reference.class

(type (identifier) @name) @reference.type

(type (generic_type (identifier) @name)) @reference.type

(import_from_statement
  name: [
    (dotted_name (identifier) @name .)
    (aliased_import name: (dotted_name (identifier) @name .))
  ]) @reference.import

(decorator (identifier) @name) @reference.call

(decorator (attribute attribute: (identifier) @name)) @reference.call
