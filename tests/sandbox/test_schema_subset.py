"""The sandbox SDL must stay a strict subset of Saleor's real schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_schema,
    is_non_null_type,
)

from connector.sandbox.schema import load_sdl

# shared/ lies beside the checkout, on a developer's machine and in CI alike.
SALEOR_SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "saleor" / "schema.graphql"
)
OWN_SCHEMA = build_schema(load_sdl())
OWN_TYPES = [name for name in OWN_SCHEMA.type_map if not name.startswith("__")]


@pytest.fixture(scope="module")
def saleor() -> GraphQLSchema:
    if not SALEOR_SCHEMA.exists():
        pytest.skip("the real Saleor schema is not available here")
    return build_schema(SALEOR_SCHEMA.read_text(encoding="utf-8"))


def _members(named: GraphQLNamedType) -> dict[str, str]:
    """Flatten a type into ``member -> type string`` comparable across schemas."""
    members: dict[str, str] = {"kind": type(named).__name__}
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in named.fields.items():
            members[field_name] = str(field.type)
            for arg_name, arg in field.args.items():
                members[f"{field_name}({arg_name})"] = str(arg.type)
        for interface in named.interfaces:
            members[f"implements {interface.name}"] = ""
    elif isinstance(named, GraphQLInputObjectType):
        members.update({name: str(f.type) for name, f in named.fields.items()})
    elif isinstance(named, GraphQLEnumType):
        members.update(dict.fromkeys(named.values, "value"))
    elif isinstance(named, GraphQLUnionType):
        members.update({f"| {member.name}": "" for member in named.types})
    return members


@pytest.mark.parametrize("type_name", OWN_TYPES)
def test_every_member_exists_in_saleor_with_the_same_type(
    saleor: GraphQLSchema, type_name: str
) -> None:
    own = OWN_SCHEMA.type_map[type_name]
    real = saleor.type_map.get(type_name)

    assert real is not None, f"{type_name} is not in Saleor's schema"
    real_members = _members(real)
    drift = {
        member: (kind, real_members.get(member))
        for member, kind in _members(own).items()
        if real_members.get(member) != kind
    }
    assert drift == {}


def test_enums_are_copied_whole(saleor: GraphQLSchema) -> None:
    enums = [t for t in OWN_SCHEMA.type_map.values() if isinstance(t, GraphQLEnumType)]

    incomplete = [
        enum.name
        for enum in enums
        if not enum.name.startswith("__")
        and list(enum.values) != list(saleor.type_map[enum.name].values)  # type: ignore[attr-defined]
    ]

    assert incomplete == []


def _required_inputs(named: GraphQLNamedType) -> set[str]:
    """Arguments and input fields Saleor requires (non-null without default)."""
    required: set[str] = set()
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in named.fields.items():
            required |= {
                f"{field_name}({arg_name})"
                for arg_name, arg in field.args.items()
                if is_non_null_type(arg.type) and arg.default_value is Undefined
            }
    elif isinstance(named, GraphQLInputObjectType):
        required |= {
            name
            for name, input_field in named.fields.items()
            if is_non_null_type(input_field.type)
            and input_field.default_value is Undefined
        }
    return required


@pytest.mark.parametrize("type_name", OWN_TYPES)
def test_required_arguments_and_input_fields_are_kept(
    saleor: GraphQLSchema, type_name: str
) -> None:
    own = OWN_SCHEMA.type_map[type_name]
    real = saleor.type_map[type_name]
    own_fields = set(_members(own))

    missing = {
        member
        for member in _required_inputs(real)
        if member not in own_fields
        # A required argument matters only where the field itself is copied.
        and ("(" not in member or member.split("(")[0] in own_fields)
    }

    assert missing == set()
