CatalogSearch.add("t","wi",{"wise":"2a","wise double":"2X"});
