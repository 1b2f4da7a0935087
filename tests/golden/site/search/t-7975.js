CatalogSearch.add("t","yu",{"yuri":"0c"});
