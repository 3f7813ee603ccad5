; gitagent's additions for JSX (JavaScript and TSX): a component used in markup is a reference to it.

(jsx_opening_element name: (identifier) @name) @reference.class

(jsx_self_closing_element name: (identifier) @name) @reference.class
