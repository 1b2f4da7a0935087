CatalogSearch.add("t","ev",{"everywhere":"1k","everywhere b":"1X"});
