CatalogSearch.add("t","zh",{"zhang":"5c"});
