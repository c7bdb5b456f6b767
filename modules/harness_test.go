package modules

import (
	"os"
	"path/filepath"
	"testing"
)

// A sandboxDir is the temporary root a module's scripts run in, with
// fake commands standing in for the host's: paths are relative to it.
type sandboxDir struct {
	t    *testing.T
	root string
}

func (s sandboxDir) path(p string) string { return filepath.Join(s.root, p) }

func (s sandboxDir) read(p string) string {
	s.t.Helper()
	data, err := os.ReadFile(s.path(p))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(data)
}

func (s sandboxDir) exists(p string) bool {
	_, err := os.Stat(s.path(p))
	return err == nil
}

// nixStubLib is the part of nixpkgs' lib the module harnesses need, for
// evaluating the modules without nixpkgs (which the tests do not have):
// the functions written as nixpkgs writes them, mkIf, mkMerge and
// mkOverride kept as records for the harness to resolve, and option types
// carrying only what filling in defaults needs.
const nixStubLib = `rec {
    mkOption = o: o;
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkDefault = mkOverride 1000;
    types = {
      nullOr = t: { name = "nullOr"; inherit t; };
      enum = values: { name = "enum"; inherit values; };
      strMatching = re: { name = "strMatching"; inherit re; };
      str = { name = "str"; };
      bool = { name = "bool"; };
      path = { name = "path"; };
      ints.positive = { name = "positive"; };
      ints.between = lo: hi: { name = "between"; };
      listOf = t: { name = "listOf"; inherit t; };
      attrsOf = elemType: { name = "attrsOf"; inherit elemType; };
      submodule = m: { name = "submodule"; inherit (m) options; };
    };
    escapeShellArg = arg:
      let s = toString arg; in
      if builtins.match "[[:alnum:],._+:@%/-]+" s == null
      then "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] s}'"
      else s;
    concatStringsSep = builtins.concatStringsSep;
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    concatMap = builtins.concatMap;
    concatLists = builtins.concatLists;
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    attrNames = builtins.attrNames;
    mapAttrs = builtins.mapAttrs;
    mapAttrsToList = f: attrs: map (n: f n attrs.${n}) (builtins.attrNames attrs);
    all = builtins.all;
    any = builtins.any;
    filter = builtins.filter;
    length = builtins.length;
    unique = builtins.foldl' (acc: e: if builtins.elem e acc then acc else acc ++ [ e ]) [ ];
    nameValuePair = name: value: { inherit name value; };
    listToAttrs = builtins.listToAttrs;
  }`
