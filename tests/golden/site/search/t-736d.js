CatalogSearch.add("t","sm",{"small":"0n","small algorithmic":"0Y"});
