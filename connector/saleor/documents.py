"""GraphQL documents sent to Saleor, loaded from the project's `graphql/` folder.

Operations are never written inline: the files are what `check-graphql` validates
against Saleor's schema. A fragment may live in any file; `document(name)` returns an
operation together with every fragment it needs, ready to send or to register.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

GRAPHQL_DIR = Path(__file__).resolve().parents[2] / "graphql"


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.append(node.name.value)


@cache
def _definitions() -> tuple[
    dict[str, OperationDefinitionNode], dict[str, FragmentDefinitionNode]
]:
    operations: dict[str, OperationDefinitionNode] = {}
    fragments: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(GRAPHQL_DIR.rglob("*.graphql")):
        for definition in parse(path.read_text(encoding="utf-8")).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                operations[definition.name.value] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
    return operations, fragments


@cache
def document(name: str) -> str:
    """The operation `name` with the fragments it spreads, as GraphQL source.

    Raises:
        KeyError: no file under graphql/ defines that operation.
    """
    operations, fragments = _definitions()
    operation = operations[name]
    needed: dict[str, FragmentDefinitionNode] = {}
    pending: list[OperationDefinitionNode | FragmentDefinitionNode] = [operation]
    while pending:
        spreads = _Spreads()
        visit(pending.pop(), spreads)
        for spread in spreads.names:
            if spread not in needed:
                needed[spread] = fragments[spread]
                pending.append(fragments[spread])
    definitions = (operation, *(needed[n] for n in sorted(needed)))
    return print_ast(DocumentNode(definitions=definitions))
