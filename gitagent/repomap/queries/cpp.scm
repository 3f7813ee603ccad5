; gitagent's additions to the wheel's tags.scm, which has definitions only: calls and type uses.

(call_expression function: (identifier) @name) @reference.call

(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call

(call_expression function: (qualified_identifier name: (identifier) @name)) @reference.call

(type_identifier) @name @reference.type
