CatalogSearch.add("t","pe",{"perfect":"0J","perfect generalization":"0O"});
